import Foundation
import Pricing
import TollgateCore

/// Everything `tollgate simulate` says about a workload: its cost per task, per day and for the
/// period; the choices compared; what moves the bill most.
public struct ForecastReport: Sendable {
    public struct Choice: Sendable {
        /// `all cheap`, `all premium`, `hybrid 25%`, `auto 30%`.
        public var name: String
        public var premiumShare: Double
        public var perTask: Money
        public var perDay: Money
        public var period: Money
    }

    public struct Sensitivity: Sendable {
        public var parameter: String
        /// How it was varied: `+10%`, or `+1` for a fixed step count (steps are whole).
        public var variation: String
        /// The period's cost with the parameter varied, against the base: +0.083 is 8.3% more.
        public var change: Double
    }

    public var workload: Workload
    public var cheap: String
    public var premium: String
    public var currency: Currency
    public var samples: Int
    /// The exact expectation per task where a closed form exists, else the Monte Carlo mean.
    public var perTask: Money
    public var exact: Bool
    public var standardError: Money
    public var p50: Money
    public var p90: Money
    public var p99: Money
    public var tokensPerTask: Double
    public var perDay: Money
    public var period: Money
    public var totalTasks: Double
    public var choices: [Choice]
    /// The premium share that keeps a day within `budget_per_day`, when one is given.
    public var breakEvenShare: Double?
    public var sensitivity: [Sensitivity]
    /// Each sampled task's cost, for the distribution chart.
    public var distribution: [Money]

    /// Costs `workload` and compares it with all-cheap, all-premium and the auto router's share.
    public static func make(_ forecaster: Forecaster, samples: Int, autoShare: Double,
                            progress: ((Int) -> Void)? = nil) throws -> ForecastReport {
        let workload = forecaster.workload
        let currency = forecaster.currency
        let money: (Double) -> Money = { Money(nanos: Int64($0.rounded(.toNearestOrEven)), currency: currency) }
        let tasks = forecaster.totalTasks
        let days = Double(workload.days)
        let sampled = try forecaster.simulate(samples: samples, progress: progress)
        // The period's expected cost at a share: exact when every size is fixed, else over sampled
        // tasks (every share on the same tasks; a variant on tasks drawn from the same seed).
        let sensitivitySamples = max(samples / 4, min(samples, 1000))
        let base = try forecaster.exactPeriodNanos() ?? sampled.mean(share: workload.premiumShare) * tasks
        let periodNanos: (Double) throws -> Double = { share in
            try forecaster.exactPeriodNanos(share: share) ?? sampled.mean(share: share) * tasks
        }
        let perTaskNanos = tasks > 0 ? base / tasks : sampled.mean(share: workload.premiumShare)
        var choices: [Choice] = []
        for (name, share) in [("all cheap", 0.0), ("all premium", 1.0), ("hybrid \(percent(workload.premiumShare))", workload.premiumShare),
                              ("auto \(percent(autoShare))", autoShare)] {
            let nanos = try periodNanos(share)
            choices.append(Choice(name: name, premiumShare: share, perTask: money(tasks > 0 ? nanos / tasks : 0), perDay: money(nanos / days),
                                  period: money(nanos)))
        }
        var breakEven: Double?
        if let budget = workload.budgetPerDay {
            let budgetNanos = NSDecimalNumber(decimal: budget * 1_000_000_000).doubleValue
            let low = choices[0].perDay.nanos, high = choices[1].perDay.nanos
            breakEven = high == low ? (Double(low) <= budgetNanos ? 1 : 0)
                : min(max((budgetNanos - Double(low)) / Double(high - low), 0), 1)
        }
        var sensitivity: [Sensitivity] = []
        // Against a base costed the same way as the variants (Monte Carlo: the same seed and count).
        let costed: (Workload) throws -> Double = { variant in
            let subject = try Forecaster(workload: variant, cheap: forecaster.cheap, premium: forecaster.premium)
            if let exact = try subject.exactPeriodNanos() { return exact }
            return try subject.simulate(samples: sensitivitySamples).mean(share: variant.premiumShare) * subject.totalTasks
        }
        let reference = workload.isFixed ? base : try costed(workload)
        if reference > 0 {
            for (parameter, variation, variant) in variants(of: workload) {
                sensitivity.append(Sensitivity(parameter: parameter, variation: variation, change: try costed(variant) / reference - 1))
            }
            sensitivity.sort { abs($0.change) > abs($1.change) }
        }
        return ForecastReport(
            workload: workload, cheap: forecaster.cheap.name, premium: forecaster.premium.name, currency: currency, samples: samples,
            perTask: money(perTaskNanos), exact: workload.isFixed, standardError: money(workload.isFixed ? 0 : sampled.standardError(share: workload.premiumShare)),
            p50: Money(nanos: sampled.percentile(50), currency: currency), p90: Money(nanos: sampled.percentile(90), currency: currency),
            p99: Money(nanos: sampled.percentile(99), currency: currency), tokensPerTask: sampled.meanTokens,
            perDay: money(base / days), period: money(base), totalTasks: tasks, choices: choices, breakEvenShare: breakEven,
            sensitivity: sensitivity, distribution: sampled.costs.map { Money(nanos: $0, currency: currency) })
    }

    /// The workload with each parameter 10% higher (shares capped at 1; a fixed step count one
    /// step more, as steps are whole), one at a time.
    static func variants(of workload: Workload) -> [(String, String, Workload)] {
        var variants: [(String, String, Workload)] = []
        let up = 1.1
        var tasks = workload
        tasks.tasksPerDay *= up
        variants.append(("tasks_per_day", "+10%", tasks))
        if workload.types.allSatisfy({ $0.steps.isFixed && $0.steps.mean > 0 }) {
            var variant = workload
            for index in variant.types.indices { variant.types[index].steps = .fixed(variant.types[index].steps.mean.rounded() + 1) }
            variants.append(("steps", "+1", variant))
        }
        var sizes: [(String, WritableKeyPath<Workload.TaskType, Size>)] = [
            ("system_tokens", \.systemTokens), ("tool_definition_tokens", \.toolDefinitionTokens),
            ("user_tokens", \.userTokens), ("tool_output_tokens", \.toolOutputTokens), ("output_tokens", \.outputTokens),
            ("reasoning_tokens", \.reasoningTokens),
        ]
        if !workload.types.allSatisfy({ $0.steps.isFixed }) { sizes.insert(("steps", \.steps), at: 0) }
        for (name, path) in sizes where workload.types.contains(where: { $0[keyPath: path].mean > 0 }) {
            var variant = workload
            for index in variant.types.indices { variant.types[index][keyPath: path] = variant.types[index][keyPath: path].scaled(by: up) }
            variants.append((name, "+10%", variant))
        }
        let shares: [(String, WritableKeyPath<Workload, Double>)] = [
            ("premium_share", \.premiumShare), ("cache_hit_ratio", \.cacheHitRatio), ("retry_rate", \.retryRate),
        ]
        for (name, path) in shares where workload[keyPath: path] > 0 {
            var variant = workload
            variant[keyPath: path] = min(workload[keyPath: path] * up, name == "retry_rate" ? 0.99 : 1)
            variants.append((name, "+10%", variant))
        }
        return variants
    }
}

func percent(_ share: Double) -> String {
    let value = share * 100
    return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
}
