import Foundation
import Yams

/// A workload file that cannot be read: where and why, as one line.
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let path: String
    public let problem: String

    public var description: String {
        "\(file)" + (line.map { ":\($0)" } ?? "") + ": " + (path.isEmpty ? "" : "\(path): ") + problem
    }
}

/// Reads a workload file (YAML). Unknown keys are refused, so a misspelt size is never silently 0.
public struct WorkloadLoader: Sendable {
    public init() {}

    public func load(file: String) throws -> Workload {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw WorkloadError(file: file, line: nil, path: "", problem: "cannot be read")
        }
        return try parse(text, file: file)
    }

    static let sizeKeys = ["steps", "system_tokens", "tool_definition_tokens", "user_tokens", "tool_output_tokens", "output_tokens",
                           "reasoning_tokens", "summary_tokens"]
    static let typeKeys = Set(sizeKeys + ["context", "summary_every"])
    static let topKeys = typeKeys.union(["name", "days", "tasks_per_day", "models", "premium_share", "cache_hit_ratio", "seed",
                                         "retry_rate", "hourly_shape", "weekly_shape", "start", "budget_per_day", "task_types"])

    public func parse(_ text: String, file: String) throws -> Workload {
        let reader = Reader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw reader.error(nil, "", "is empty") }
            root = node
        } catch let error as WorkloadError {
            throw error
        } catch {
            throw reader.error(nil, "", "is not YAML: \(error)")
        }
        let fields = try reader.mapping(root, "", allowed: Self.topKeys)
        let models = try reader.mapping(try reader.required(fields, "models", root, ""), "models", allowed: ["cheap", "premium"])
        let modelsNode = fields["models"]!
        let base = try typeFields(fields, reader: reader, path: "", defaults: nil, stepsRequired: fields["task_types"] == nil)
        var types: [Workload.TaskType] = []
        if let node = fields["task_types"] {
            guard let sequence = node.sequence, !sequence.isEmpty else { throw reader.error(node, "task_types", "must be a non-empty list") }
            for (index, item) in sequence.enumerated() {
                let path = "task_types[\(index)]"
                let itemFields = try reader.mapping(item, path, allowed: Self.typeKeys.union(["name", "weight"]))
                var type = try typeFields(itemFields, reader: reader, path: path, defaults: base, stepsRequired: true)
                type.name = try itemFields["name"].map { try reader.string($0, "\(path).name") } ?? "type \(index + 1)"
                type.weight = try itemFields["weight"].map { try reader.number($0, "\(path).weight", minimum: 0) } ?? 1
                types.append(type)
            }
            guard types.contains(where: { $0.weight > 0 }) else { throw reader.error(node, "task_types", "needs a weight above 0") }
        } else {
            types = [base]
        }
        let start: Date
        if let node = fields["start"] {
            let text = try reader.string(node, "start")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            guard let date = formatter.date(from: text) else { throw reader.error(node, "start", "'\(text)' is not a date such as 2026-01-05") }
            start = date
        } else {
            start = Workload.utc.startOfDay(for: Date())
        }
        let shape: (String, Int) throws -> [Double] = { key, count in
            guard let node = fields[key] else { return Array(repeating: 1, count: count) }
            guard let sequence = node.sequence, sequence.count == count else { throw reader.error(node, key, "must list \(count) weights") }
            let values = try sequence.enumerated().map { try reader.number($1, "\(key)[\($0)]", minimum: 0) }
            guard values.contains(where: { $0 > 0 }) else { throw reader.error(node, key, "needs a weight above 0") }
            return values
        }
        var budget: Decimal?
        if let node = fields["budget_per_day"] {
            let text = try reader.string(node, "budget_per_day")
            guard let value = Decimal(string: text), value > 0 else { throw reader.error(node, "budget_per_day", "'\(text)' is not an amount") }
            budget = value
        }
        return Workload(
            name: try fields["name"].map { try reader.string($0, "name") } ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
            days: Int(try reader.number(try reader.required(fields, "days", root, ""), "days", minimum: 1, whole: true)),
            tasksPerDay: try reader.number(try reader.required(fields, "tasks_per_day", root, ""), "tasks_per_day", minimum: 0),
            cheap: try reader.string(try reader.required(models, "cheap", modelsNode, "models"), "models.cheap"),
            premium: try reader.string(try reader.required(models, "premium", modelsNode, "models"), "models.premium"),
            premiumShare: try fields["premium_share"].map { try reader.number($0, "premium_share", minimum: 0, maximum: 1) } ?? 0,
            cacheHitRatio: try fields["cache_hit_ratio"].map { try reader.number($0, "cache_hit_ratio", minimum: 0, maximum: 1) } ?? 0,
            retryRate: try fields["retry_rate"].map { try reader.number($0, "retry_rate", minimum: 0, maximum: 0.99) } ?? 0,
            types: types, hourlyShape: try shape("hourly_shape", 24), weeklyShape: try shape("weekly_shape", 7), start: start,
            budgetPerDay: budget,
            seed: UInt64(try fields["seed"].map { try reader.number($0, "seed", minimum: 0, whole: true) } ?? 1))
    }

    /// A task type's sizes: its own keys over `defaults` (the workload's top level), or the top level itself.
    private func typeFields(_ fields: [String: Node], reader: Reader, path: String, defaults: Workload.TaskType?,
                            stepsRequired: Bool) throws -> Workload.TaskType {
        let prefix = path.isEmpty ? "" : path + "."
        let size: (String) throws -> Size? = { key in try fields[key].map { try reader.size($0, prefix + key) } }
        var context = defaults?.context ?? .full
        if let node = fields["context"] {
            let text = try reader.string(node, prefix + "context")
            if text == "full" {
                context = .full
            } else if text == "none" {
                context = .none
            } else if text.hasPrefix("window:"), let count = Int(text.dropFirst(7)), count >= 1 {
                context = .window(count)
            } else {
                throw reader.error(node, prefix + "context", "'\(text)' is not full, none or window:N")
            }
        }
        let given = try size("steps") ?? defaults?.steps
        guard let steps = given ?? (stepsRequired ? nil : Size.fixed(0)) else {
            throw reader.error(nil, prefix + "steps", "is required")
        }
        return Workload.TaskType(
            name: "task", weight: 1, steps: steps,
            systemTokens: try size("system_tokens") ?? defaults?.systemTokens ?? .fixed(0),
            toolDefinitionTokens: try size("tool_definition_tokens") ?? defaults?.toolDefinitionTokens ?? .fixed(0),
            userTokens: try size("user_tokens") ?? defaults?.userTokens ?? .fixed(0),
            toolOutputTokens: try size("tool_output_tokens") ?? defaults?.toolOutputTokens ?? .fixed(0),
            outputTokens: try size("output_tokens") ?? defaults?.outputTokens ?? .fixed(0),
            reasoningTokens: try size("reasoning_tokens") ?? defaults?.reasoningTokens ?? .fixed(0),
            context: context,
            summaryEvery: Int(try fields["summary_every"].map { try reader.number($0, prefix + "summary_every", minimum: 0, whole: true) }
                ?? Double(defaults?.summaryEvery ?? 0)),
            summaryTokens: try size("summary_tokens") ?? defaults?.summaryTokens ?? .fixed(0))
    }
}

private struct Reader {
    let file: String

    func error(_ node: Node?, _ path: String, _ problem: String) -> WorkloadError {
        WorkloadError(file: file, line: node?.mark?.line, path: path, problem: problem)
    }

    func mapping(_ node: Node, _ path: String, allowed: Set<String>) throws -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, path, "must be a mapping") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, path, "has a key that is not a string") }
            guard allowed.contains(name) else {
                throw error(key, path.isEmpty ? name : "\(path).\(name)", "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            result[name] = value
        }
        return result
    }

    func required(_ fields: [String: Node], _ key: String, _ node: Node, _ path: String) throws -> Node {
        guard let value = fields[key] else { throw error(node, path, "missing required key '\(key)'") }
        return value
    }

    func string(_ node: Node, _ path: String) throws -> String {
        guard let scalar = node.scalar else { throw error(node, path, "must be a string") }
        return scalar.string
    }

    func number(_ node: Node, _ path: String, minimum: Double, maximum: Double = .infinity, whole: Bool = false) throws -> Double {
        let text = try string(node, path)
        guard let value = Double(text), value.isFinite, value >= minimum, value <= maximum, !whole || value == value.rounded() else {
            let range = maximum.isFinite ? "\(minimum.formatted())…\(maximum.formatted())" : "at least \(minimum.formatted())"
            throw error(node, path, "'\(text)' is not a \(whole ? "whole number" : "number") \(range)")
        }
        return value
    }

    /// A number, or `{uniform: [a, b]}`, `{normal: {mean, sd}}`, `{lognormal: {median, sigma}}`, `{empirical: [...]}`.
    func size(_ node: Node, _ path: String) throws -> Size {
        if node.scalar != nil { return .fixed(try number(node, path, minimum: 0)) }
        let fields = try mapping(node, path, allowed: ["uniform", "normal", "lognormal", "empirical"])
        guard fields.count == 1, let (kind, value) = fields.first else {
            throw error(node, path, "must be a number or one distribution: uniform, normal, lognormal or empirical")
        }
        let inner = "\(path).\(kind)"
        switch kind {
        case "uniform":
            guard let bounds = value.sequence, bounds.count == 2 else { throw error(value, inner, "must be [low, high]") }
            let low = try number(bounds[0], inner, minimum: 0), high = try number(bounds[1], inner, minimum: 0)
            guard low <= high else { throw error(value, inner, "low is above high") }
            return .uniform(low, high)
        case "normal":
            let parameters = try mapping(value, inner, allowed: ["mean", "sd"])
            return .normal(mean: try number(try required(parameters, "mean", value, inner), "\(inner).mean", minimum: 0),
                           sd: try number(try required(parameters, "sd", value, inner), "\(inner).sd", minimum: 0))
        case "lognormal":
            let parameters = try mapping(value, inner, allowed: ["median", "sigma"])
            return .lognormal(median: try number(try required(parameters, "median", value, inner), "\(inner).median", minimum: 0),
                              sigma: try number(try required(parameters, "sigma", value, inner), "\(inner).sigma", minimum: 0))
        default:
            guard let values = value.sequence, !values.isEmpty else { throw error(value, inner, "must be a non-empty list") }
            return .empirical(try values.enumerated().map { try number($1, "\(inner)[\($0)]", minimum: 0) })
        }
    }
}
