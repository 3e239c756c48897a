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
        ("whitespace-100KB", String((0..<100_000).map { _ in " \t\n".randomElement(using: &generator)! })),
        (
            "marks-100KB",
            String(
                (0..<12_500).flatMap { _ in
                    ["aeiou".randomElement(using: &generator)!]
                        + (0..<Int.random(in: 1...6, using: &generator)).map { _ in "\u{300}\u{301}\u{302}\u{316}\u{323}\u{308}".unicodeScalars.randomElement(using: &generator)! }.map(Character.init)
                })
        ),
        (
            "vowelled-arabic-100KB",
            String(
                (0..<22_000).flatMap { _ in
                    [Character("بتثجحخدذرزسش".unicodeScalars.randomElement(using: &generator)!),
                     Character("\u{64B}\u{64C}\u{64D}\u{64E}\u{64F}\u{650}\u{651}\u{652}".unicodeScalars.randomElement(using: &generator)!)]
                })
        ),
        (
            "hangul-jamo-100KB",
            String(
                String.UnicodeScalarView(
                    (0..<11_111).flatMap { _ in
                        [UInt32.random(in: 0x1100...0x1112, using: &generator), UInt32.random(in: 0x1161...0x1175, using: &generator),
                         UInt32.random(in: 0x11A8...0x11C2, using: &generator)].compactMap(Unicode.Scalar.init)
                    }))
        ),
        ("fullwidth-100KB", String(String.UnicodeScalarView((0..<33_333).compactMap { _ in Unicode.Scalar(UInt32.random(in: 0xFF01...0xFF5E, using: &generator)) }))),
        ("special-lookalikes-100KB", String(repeating: "<|endoftext|>", count: 7_692)),
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
