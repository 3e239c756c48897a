import Benchmark
import Foundation
import Tokenizers

/// Encoding throughput per encoding on prose-like text and on adversarial inputs, whose cost
/// per byte should stay within 2× of prose (see bench/tokenizers.sh for the comparison with
/// tiktoken and Hugging Face tokenizers).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 50)

    let prose = String(repeating: """
        The gateway counts every request exactly, prices it from a versioned price book, and settles it on a \
        double-entry ledger. func encode(_ text: String) -> [Int] { return ids } // 2024-11-24: 3.14159 USD\n
        """, count: 400)
    var generator = SystemRandomNumberGenerator()
    let inputs: [(String, String)] = [
        ("prose", prose),
        ("one-character-100KB", String(repeating: "a", count: 100_000)),
        ("random-bytes-100KB", String(decoding: (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }, as: UTF8.self)),
        ("digits-100KB", String((0..<100_000).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })),
        ("no-spaces-1MB", String((0..<1_000_000).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".randomElement(using: &generator)! })),
    ]
    let store = EncodingStore()
    for name in EncodingName.allCases {
        for (label, text) in inputs {
            Benchmark("\(name.rawValue) \(label)", configuration: .init(scalingFactor: .one)) { benchmark in
                let encoding = try await store.encoding(name)
                benchmark.startMeasurement()
                blackHole(encoding.count(text))
                benchmark.stopMeasurement()
            }
        }
    }
}
