import Foundation
@testable import Tokenizers

/// The reference implementations' outputs written by `scripts/tokenizer-golden.py`.
struct GoldenVector: Sendable {
    let text: String
    let ids: [Int]
    let allowed: Bool
}

enum GoldenVectors {
    /// A folder of vectors to read instead of the bundled Golden folder, from `TOLLGATE_GOLDEN_DIR`:
    /// `scripts/tokenizer-fuzz.sh` points it at a fuzz campaign's vectors. Unset, the bundled ones.
    static let directory: URL? = ProcessInfo.processInfo.environment["TOLLGATE_GOLDEN_DIR"].map {
        URL(fileURLWithPath: $0, isDirectory: true)
    }

    static func resource(_ name: String) throws -> [UInt8] {
        let url = directory.map { $0.appendingPathComponent(name) }
            ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Golden")
        guard let url, FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerError.missingResource(name)
        }
        return [UInt8](try Data(contentsOf: url))
    }

    static func vectors(_ encoding: EncodingName) throws -> [GoldenVector] {
        let data = try Inflater.gunzip(try resource("\(encoding.rawValue).jsonl.gz"))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            return GoldenVector(
                text: object["text"] as! String, ids: (object["ids"] as! [Any]).map { ($0 as! NSNumber).intValue },
                allowed: object["allowed"] as! Bool)
        }
    }

    /// The encodings, each loaded once for the whole test run.
    static let store = EncodingStore()
}
