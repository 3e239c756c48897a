import ArgumentParser
import Foundation
import Tokenizers

/// `tollgate tokenize --encoding NAME [--jsonl]`: standard input to token ids.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of standard input as a JSON array.",
        discussion: "With --jsonl, every input line is {\"text\": \"...\"} and every output line {\"ids\": [...]}."
    )

    @Option(help: "The encoding: \(EncodingName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var encoding: String

    private struct Line: Decodable {
        let text: String
    }

    @Flag(help: "Read one JSON object {\"text\": ...} per line and write one {\"ids\": [...]} per line.")
    var jsonl = false

    func validate() throws {
        guard EncodingName(rawValue: encoding) != nil else {
            throw ValidationError("unknown encoding '\(encoding)'; expected one of \(EncodingName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await reportingFailure { try await tokenize() }
    }

    private func tokenize() async throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let tokenizer = try await EncodingStore().encoding(named: encoding)
            var output = ""
            if jsonl {
                for (number, line) in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).enumerated() {
                    // JSONDecoder, not JSONSerialization: the latter drops a raw U+FEFF after an escape.
                    guard let text = try? JSONDecoder().decode(Line.self, from: Data(line)).text else {
                        throw CommandFailure("line \(number + 1) is not a JSON object with a string \"text\"")
                    }
                    output += "{\"ids\":[" + tokenizer.encode(text).map(String.init).joined(separator: ",") + "]}\n"
                }
            } else {
                guard let text = String(data: input, encoding: .utf8) else { throw CommandFailure("standard input is not UTF-8") }
                output = "[" + tokenizer.encode(text).map(String.init).joined(separator: ",") + "]\n"
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }
}
