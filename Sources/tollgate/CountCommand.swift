import ArgumentParser
import Foundation
import Tokenizers

/// `tollgate count (--encoding NAME | --model MODEL) [FILE]`: the token count of a file or stdin.
struct CountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the token count of FILE or standard input."
    )

    @Option(help: "The encoding: \(EncodingName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var encoding: String?

    @Option(help: "A model name; its encoding comes from the registry (e.g. gpt-4o, qwen-max, deepseek-chat).")
    var model: String?

    @Argument(help: "The file to count; standard input when absent.")
    var file: String?

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard (encoding == nil) != (model == nil) else { throw ValidationError("give exactly one of --encoding and --model") }
        if let encoding, EncodingName(rawValue: encoding) == nil {
            throw ValidationError("unknown encoding '\(encoding)'; expected one of \(EncodingName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await reportingFailure { try await count() }
    }

    private func count() async throws {
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure("input is not UTF-8") }
        do {
            // A model's `tokenizer:` in the configuration wins over the registry's patterns.
            let overrides = try configOptions.load().tokenizerOverrides
            let store = EncodingStore(registry: EncodingRegistry(overrides: overrides))
            let tokenizer: Encoding
            if let encoding {
                tokenizer = try await store.encoding(named: encoding)
            } else {
                tokenizer = try await store.encoding(forModel: model ?? "")
            }
            print(tokenizer.count(text))
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }
}
