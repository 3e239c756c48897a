import Foundation
import Testing

/// The `tollgate` executable built beside the tests, run as a separate process.
struct ChildProcess {
    let process: Process
    let output: Pipe
    let errorFile: URL

    /// What the process wrote to standard error (complete once it has exited).
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["TOLLGATE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test binary may sit inside a bundle directory (…/debug/X.xctest/…).
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("tollgate").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("tollgate")
    }

    static func start(_ arguments: [String]) throws -> ChildProcess {
        let binary = executable
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "no tollgate executable at \(binary.path): build it (swift build) or set TOLLGATE_BIN")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "error"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-child-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        return ChildProcess(process: process, output: output, errorFile: errorFile)
    }

    /// Waits for the process to exit; its status and standard output.
    func finish() async -> (status: Int32, output: String) {
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
