import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Recorded outcomes of a cheap and a strong model on the same prompts, in the shared evaluation
/// format (RouteLLM's): replaying them scores a router with no model calls.
///
/// A directory holds any of `mmlu/` (`mmlu_SUBJECT.csv`: prompt, weak correct, strong correct),
/// `gsm8k/gsm8k_responses.csv` (prompt, weak correct, strong correct, weak answer, strong answer)
/// and `mt_bench/` (`question.jsonl`, `judgements.jsonl` with a 1–10 score per model and turn).
/// Prompts listed in a folder's `contaminated_prompts.jsonl` (as `eval_prompt`) are left out.
public struct RoutingDataset: Sendable {
    public struct Item: Sendable, Hashable {
        /// What the router reads: the prompt, or an MT-Bench question's first turn.
        public var prompt: String
        /// The user turns after the first (MT-Bench's second turn), counted as input.
        public var laterTurns: [String]
        /// The quality each model reached, 0…1 (correctness, or the judge's score scaled from 1–10).
        public var weakQuality: Double
        public var strongQuality: Double
        /// Each model's recorded answers, when the data has them: what its output is counted from.
        public var weakAnswer: String?
        public var strongAnswer: String?
        /// The MMLU subject or MT-Bench category: what leave-subjects-out holds out together.
        public var subject: String

        /// How much better the strong model did: −1…1.
        public var gain: Double { strongQuality - weakQuality }
    }

    /// `mmlu`, `gsm8k` or `mt_bench`.
    public var name: String
    public var items: [Item]

    public init(name: String, items: [Item]) {
        self.name = name
        self.items = items
    }

    /// The data sets found in `directory`, in the order mmlu, gsm8k, mt_bench.
    public static func load(from directory: URL) throws -> [RoutingDataset] {
        var found: [RoutingDataset] = []
        let files = FileManager.default
        let mmlu = directory.appendingPathComponent("mmlu")
        if let names = try? files.contentsOfDirectory(atPath: mmlu.path) {
            let excluded = try contaminated(in: mmlu)
            var items: [Item] = []
            for name in names.sorted() where name.hasPrefix("mmlu_") && name.hasSuffix(".csv") {
                let subject = String(name.dropFirst(5).dropLast(4))
                let rows = try CSVReader.rows(try String(contentsOf: mmlu.appendingPathComponent(name), encoding: .utf8))
                for row in rows.dropFirst() where row.count >= 3 {
                    guard !excluded.contains(normalized(row[0])) else { continue }
                    items.append(Item(prompt: row[0], laterTurns: [], weakQuality: truth(row[1]), strongQuality: truth(row[2]),
                                      subject: subject))
                }
            }
            if !items.isEmpty { found.append(RoutingDataset(name: "mmlu", items: items)) }
        }
        let gsm8k = directory.appendingPathComponent("gsm8k")
        let gsm8kFile = gsm8k.appendingPathComponent("gsm8k_responses.csv")
        if files.fileExists(atPath: gsm8kFile.path) {
            let excluded = try contaminated(in: gsm8k)
            var items: [Item] = []
            for row in try CSVReader.rows(try String(contentsOf: gsm8kFile, encoding: .utf8)).dropFirst() where row.count >= 3 {
                guard !excluded.contains(normalized(row[0])) else { continue }
                items.append(Item(prompt: row[0], laterTurns: [], weakQuality: truth(row[1]), strongQuality: truth(row[2]),
                                  weakAnswer: row.count > 3 ? row[3] : nil, strongAnswer: row.count > 4 ? row[4] : nil, subject: "gsm8k"))
            }
            if !items.isEmpty { found.append(RoutingDataset(name: "gsm8k", items: items)) }
        }
        let mtBench = directory.appendingPathComponent("mt_bench")
        let questions = mtBench.appendingPathComponent("question.jsonl")
        let judgements = mtBench.appendingPathComponent("judgements.jsonl")
        if files.fileExists(atPath: questions.path), files.fileExists(atPath: judgements.path) {
            let excluded = try contaminated(in: mtBench)
            found.append(RoutingDataset(name: "mt_bench", items: try mtBenchItems(questions: questions, judgements: judgements, excluding: excluded)))
        }
        return found
    }

    /// MT-Bench: one item per question; each model's quality is the mean of its two turns' scores,
    /// scaled from 1–10 to 0–1; its answers are read from the judge's prompts. The two models are
    /// told apart by name: the one whose name says `gpt-4` (or, failing that, the better-scoring
    /// one overall) is the strong one.
    private static func mtBenchItems(questions: URL, judgements: URL, excluding excluded: Set<String>) throws -> [Item] {
        var scores: [Int: [String: [Double]]] = [:]
        var answers: [Int: [String: [Int: String]]] = [:]
        for line in try String(contentsOf: judgements, encoding: .utf8).split(separator: "\n") {
            let value = try JSONValue(parsing: Array(line.utf8))
            guard let id = value["question_id"]?.intValue, let model = value["model"]?.stringValue,
                  let score = value["score"]?.doubleValue, score >= 0 else { continue }
            scores[id, default: [:]][model, default: []].append(score)
            if let prompt = value["user_prompt"]?.stringValue, let turn = value["turn"]?.intValue,
               let answer = lastAnswer(inJudgePrompt: prompt) {
                answers[id, default: [:]][model, default: [:]][turn] = answer
            }
        }
        let models = Set(scores.values.flatMap(\.keys)).sorted()
        guard models.count == 2 else { throw RoutingDatasetError("mt_bench: judgements must score exactly two models, found \(models)") }
        let meanOf: (String) -> Double = { model in
            let all = scores.values.compactMap { $0[model] }.flatMap { $0 }
            return all.reduce(0, +) / Double(max(all.count, 1))
        }
        let strong = models.first { $0.lowercased().contains("gpt-4") } ?? models.max { meanOf($0) < meanOf($1) }!
        let weak = models.first { $0 != strong }!
        var items: [Item] = []
        for line in try String(contentsOf: questions, encoding: .utf8).split(separator: "\n") {
            let value = try JSONValue(parsing: Array(line.utf8))
            guard let id = value["question_id"]?.intValue, let turns = value["turns"]?.arrayValue?.compactMap(\.stringValue),
                  let first = turns.first, let weakScores = scores[id]?[weak], let strongScores = scores[id]?[strong],
                  !weakScores.isEmpty, !strongScores.isEmpty else { continue }
            guard !excluded.contains(normalized(first)) else { continue }
            let scaled: ([Double]) -> Double = { ($0.reduce(0, +) / Double($0.count) - 1) / 9 }
            let answer: (String) -> String? = { model in
                guard let turns = answers[id]?[model], !turns.isEmpty else { return nil }
                return turns.keys.sorted().compactMap { turns[$0] }.joined(separator: "\n")
            }
            items.append(Item(prompt: first, laterTurns: Array(turns.dropFirst()), weakQuality: scaled(weakScores),
                              strongQuality: scaled(strongScores), weakAnswer: answer(weak), strongAnswer: answer(strong),
                              subject: value["category"]?.stringValue ?? "mt_bench"))
        }
        return items
    }

    /// The assistant's last answer in an MT-Bench judge prompt (single-answer or multi-turn).
    static func lastAnswer(inJudgePrompt prompt: String) -> String? {
        for (open, close) in [("[The Start of Assistant's Answer]", "[The End of Assistant's Answer]"),
                              ("### Assistant A:", "<|The End of Assistant A's Conversation with User|>")] {
            guard let start = prompt.range(of: open, options: .backwards) else { continue }
            let rest = prompt[start.upperBound...]
            let end = rest.range(of: close)?.lowerBound ?? rest.endIndex
            return rest[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    /// The prompts a folder's `contaminated_prompts.jsonl` lists (`eval_prompt`), normalized.
    private static func contaminated(in folder: URL) throws -> Set<String> {
        let file = folder.appendingPathComponent("contaminated_prompts.jsonl")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        var prompts: Set<String> = []
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            if let prompt = try JSONValue(parsing: Array(line.utf8))["eval_prompt"]?.stringValue { prompts.insert(normalized(prompt)) }
        }
        return prompts
    }

    /// A prompt compared for contamination: whitespace runs collapsed, ends trimmed.
    static func normalized(_ prompt: String) -> String {
        prompt.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    private static func truth(_ cell: String) -> Double {
        ["true", "1", "1.0", "yes"].contains(cell.trimmingCharacters(in: .whitespaces).lowercased()) ? 1 : 0
    }
}

public struct RoutingDatasetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes.
enum CSVReader {
    static func rows(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var bytes = Array(text.utf8)[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): quoted = true
                case UInt8(ascii: ","):
                    row.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                case UInt8(ascii: "\n"):
                    row.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                    rows.append(row)
                    row = []
                case UInt8(ascii: "\r"): break
                default: field.append(byte)
                }
            }
            index += 1
        }
        guard !quoted else { throw RoutingDatasetError("a quoted CSV field is not closed") }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
        }
        return rows
    }
}
