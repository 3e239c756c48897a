import Foundation
import Testing

/// `tollgate tokenize` and `tollgate count` as INTERFACE.md specifies them, run as a process
/// (the executable is built beside the test bundle by `swift test`).
@Suite struct CommandLineTests {
    struct Run {
        let status: Int32
        let output: String
        let error: String
    }

    static func tollgate(_ arguments: [String], input: String = "") throws -> Run {
        let directory = Bundle.module.bundleURL.deletingLastPathComponent()
        let process = Process()
        process.executableURL = directory.appendingPathComponent("tollgate")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self), error: String(decoding: error, as: UTF8.self))
    }

    @Test func tokenizePrintsTheIdsOfStandardInputAsAJSONArray() throws {
        let run = try Self.tollgate(["tokenize", "--encoding", "o200k_base"], input: "hello world")
        #expect(run.status == 0)
        #expect(run.output == "[24912,2375]\n")
    }

    @Test func tokenizeWithJSONLinesAnswersOneObjectPerLine() throws {
        let run = try Self.tollgate(["tokenize", "--encoding", "cl100k_base", "--jsonl"], input: "{\"text\": \"hello world\"}\n{\"text\": \"\"}\n")
        #expect(run.status == 0)
        #expect(run.output == "{\"ids\":[15339,1917]}\n{\"ids\":[]}\n")
    }

    @Test func countByModelPrintsTheTokenCount() throws {
        let run = try Self.tollgate(["count", "--model", "gpt-4o"], input: "hello world")
        #expect(run.status == 0)
        #expect(run.output == "2\n")
    }

    @Test func usageErrorsExitWithTwoAndFailuresWithOneOnOneLine() throws {
        let unknownEncoding = try Self.tollgate(["tokenize", "--encoding", "o300k"])
        #expect(unknownEncoding.status == 2)
        let both = try Self.tollgate(["count", "--encoding", "qwen", "--model", "gpt-4o"])
        #expect(both.status == 2)
        let unknownModel = try Self.tollgate(["count", "--model", "mystery-model"], input: "hi")
        #expect(unknownModel.status == 1)
        #expect(unknownModel.error.split(separator: "\n").count == 1)
        #expect(unknownModel.error.contains("mystery-model"))
    }
}
