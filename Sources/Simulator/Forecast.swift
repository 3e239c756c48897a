import Foundation
import Pricing
import TollgateCore

/// What one model costs a request at a moment: the price book's price in force then (its version,
/// its time-of-day window, tiers by the request's input), rounded once.
public struct Pricer: Sendable {
    public let name: String
    public let currency: Currency
    let book: PriceBook
    /// The model's entry in the book.
    let priceName: String

    /// - Parameters:
    ///   - name: what the forecast calls it.
    ///   - priceName: its entry in `book` (default `name`): a configured model's `priceName`.
    public init(name: String, priceName: String? = nil, book: PriceBook, at date: Date = Date()) throws {
        self.name = name
        self.priceName = priceName ?? name
        self.book = book
        currency = try book.cost(of: TokenUsage(input: 1), for: self.priceName, at: date).total.currency
    }

    func cost(_ usage: TokenUsage, _ date: Date) throws -> Money { try book.cost(of: usage, for: priceName, at: date).total }

    /// What decides the price at a moment: two moments of one regime price every request the same.
    func regime(_ date: Date) throws -> String {
        let probe = try book.cost(of: TokenUsage(input: 1), for: priceName, at: date)
        return "\(probe.priceEffectiveFrom.timeIntervalSince1970)|\(probe.timeWindow ?? "")|\(probe.multiplier)"
    }
}

/// Request costs already computed, by pricer, price regime and usage: a workload repeats the same
/// calls at thousands of moments under a handful of regimes.
final class CostMemo {
    private struct Key: Hashable {
        var pricer: Int
        var regime: Int
        var usage: TokenUsage
    }

    private var costs: [Key: Int64] = [:]

    func cost(pricer: Int, regime: Int, usage: TokenUsage, compute: () throws -> Int64) rethrows -> Int64 {
        let key = Key(pricer: pricer, regime: regime, usage: usage)
        if let known = costs[key] { return known }
        let cost = try compute()
        costs[key] = cost
        return cost
    }
}

/// One billed call of a task: its input (part of it cached), output and reasoning.
struct Call: Hashable {
    var input: Int
    var output: Int
    var reasoning: Int
    /// Summaries are made by the cheap model, whatever the share.
    var summary = false
}

/// Costs a workload: the exact expectation where every size is fixed, the distribution of a
/// task's cost by Monte Carlo with the workload's seed, per task, per day and for the period.
public struct Forecaster: Sendable {
    public let workload: Workload
    public let cheap: Pricer
    public let premium: Pricer

    public init(workload: Workload, cheap: Pricer, premium: Pricer) throws {
        guard cheap.currency == premium.currency else {
            throw ForecastError("'\(cheap.name)' is priced in \(cheap.currency.code) and '\(premium.name)' in \(premium.currency.code); "
                                + "Tollgate does not convert implicitly")
        }
        self.workload = workload
        self.cheap = cheap
        self.premium = premium
    }

    public var currency: Currency { cheap.currency }

    /// The calls of one task, with its sizes drawn (or, when fixed, as they are).
    static func calls(of type: Workload.TaskType, using random: inout SplitMix64) -> [Call] {
        let steps = type.steps.draw(using: &random)
        let fixedInput = type.systemTokens.draw(using: &random) + type.toolDefinitionTokens.draw(using: &random)
            + type.userTokens.draw(using: &random)
        var carried: [Int] = []
        var calls: [Call] = []
        calls.reserveCapacity(steps)
        for step in 1...max(steps, 1) where steps > 0 {
            let context: Int = switch type.context {
            case .full: carried.reduce(0, +)
            case .window(let count): carried.suffix(count).reduce(0, +)
            case .none: 0
            }
            let output = type.outputTokens.draw(using: &random)
            let toolOutput = type.toolOutputTokens.draw(using: &random)
            calls.append(Call(input: fixedInput + context, output: output, reasoning: type.reasoningTokens.draw(using: &random)))
            carried.append(output + toolOutput)
            if type.summaryEvery > 0, step % type.summaryEvery == 0, step < steps, type.context != .none {
                let summary = type.summaryTokens.draw(using: &random)
                let carriedNow: Int = switch type.context {
                case .window(let count): carried.suffix(count).reduce(0, +)
                default: carried.reduce(0, +)
                }
                calls.append(Call(input: carriedNow, output: summary, reasoning: 0, summary: true))
                carried = [summary]
            }
        }
        return calls
    }

    /// A moment tasks start at: its share of the period's tasks and each pricer's regime then.
    struct Moment {
        var date: Date
        var tasks: Double
        /// Numbered regimes of the cheap (0) and the premium (1) pricer.
        var regimes: [Int]
    }

    /// What `call` costs on pricer `index` (0 cheap, 1 premium) at `moment`, its cached share billed
    /// as cached input.
    func cost(of call: Call, on index: Int, at moment: Moment, memo: CostMemo) throws -> Int64 {
        let cached = Int((Double(call.input) * workload.cacheHitRatio).rounded(.toNearestOrEven))
        let usage = TokenUsage(input: call.input - cached, cachedInput: cached, output: call.output, reasoning: call.reasoning)
        let pricer = index == 0 ? cheap : premium
        return try memo.cost(pricer: index, regime: moment.regimes[index], usage: usage) { try pricer.cost(usage, moment.date).nanos }
    }

    /// The moments tasks start at, with their share of the period's tasks: every hour of every day.
    func moments() throws -> [Moment] {
        let total = workload.hourlyShape.reduce(0, +)
        var numbered: [[String: Int]] = [[:], [:]]
        var moments: [Moment] = []
        for (day, tasks) in workload.tasksByDay.enumerated() {
            for (hour, weight) in workload.hourlyShape.enumerated() where weight > 0 {
                let date = workload.start.addingTimeInterval(Double(day) * 86_400 + Double(hour) * 3_600)
                var regimes: [Int] = []
                for (index, pricer) in [cheap, premium].enumerated() {
                    let regime = try pricer.regime(date)
                    let number = numbered[index][regime] ?? numbered[index].count
                    numbered[index][regime] = number
                    regimes.append(number)
                }
                moments.append(Moment(date: date, tasks: tasks * weight / total, regimes: regimes))
            }
        }
        return moments
    }

    public var totalTasks: Double { workload.tasksByDay.reduce(0, +) }

    /// The exact expected cost, in nanos, of the period with `share` of the steps premium — when
    /// every size is fixed; `nil` otherwise.
    public func exactPeriodNanos(share: Double? = nil) throws -> Double? {
        guard workload.isFixed else { return nil }
        let share = share ?? workload.premiumShare
        let weights = workload.types.map(\.weight)
        let weightTotal = weights.reduce(0, +)
        var random = SplitMix64(seed: 0)   // unused: fixed sizes draw nothing
        let callsByType = workload.types.map { Self.calls(of: $0, using: &random) }
        let memo = CostMemo()
        // A task's expected cost under each pair of regimes, computed once per pair.
        var byRegimes: [[Int]: Double] = [:]
        var total = 0.0
        for moment in try moments() {
            if byRegimes[moment.regimes] == nil {
                var perTask = 0.0
                for (type, calls) in callsByType.enumerated() where weights[type] > 0 {
                    var typeCost = 0.0
                    for call in calls {
                        let cheapCost = Double(try cost(of: call, on: 0, at: moment, memo: memo))
                        if call.summary {
                            typeCost += cheapCost
                        } else {
                            typeCost += (1 - share) * cheapCost + share * Double(try cost(of: call, on: 1, at: moment, memo: memo))
                        }
                    }
                    perTask += typeCost * weights[type] / weightTotal
                }
                byRegimes[moment.regimes] = perTask
            }
            total += byRegimes[moment.regimes]! * (1 + workload.retryRate) * moment.tasks
        }
        return total
    }

    /// Monte Carlo: `samples` tasks, each with its type, start, sizes, premium steps and retries
    /// drawn from the seed.
    public func simulate(samples: Int, share: Double? = nil, progress: ((Int) -> Void)? = nil) throws -> TaskDistribution {
        let share = share ?? workload.premiumShare
        var random = SplitMix64(seed: workload.seed)
        let moments = try self.moments()
        let memo = CostMemo()
        let momentTotal = moments.reduce(0) { $0 + $1.tasks }
        var cumulative: [Double] = []
        var running = 0.0
        for moment in moments {
            running += moment.tasks
            cumulative.append(running)
        }
        let weights = workload.types.map(\.weight)
        let weightTotal = weights.reduce(0, +)
        var costs: [Int64] = []
        costs.reserveCapacity(samples)
        var tokens: [Int] = []
        tokens.reserveCapacity(samples)
        var cheapTotal = 0.0, premiumTotal = 0.0
        var crossed: [(Double, Double)] = []
        crossed.reserveCapacity(samples)
        for index in 0..<samples {
            if let progress, index % 1000 == 0 { progress(index) }
            var pick = random.unit() * weightTotal
            let type = workload.types.first { pick -= $0.weight; return pick < 0 } ?? workload.types.last!
            let target = random.unit() * momentTotal
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            guard !moments.isEmpty else { break }
            let moment = moments[low]
            var taskCost: Int64 = 0, allCheap: Int64 = 0, allPremium: Int64 = 0
            var taskTokens = 0
            for call in Self.calls(of: type, using: &random) {
                let goesPremium = !call.summary && random.unit() < share
                let times: Int64 = random.unit() < workload.retryRate ? 2 : 1
                let cheapCost = try cost(of: call, on: 0, at: moment, memo: memo) * times
                let premiumCost = call.summary ? cheapCost : try cost(of: call, on: 1, at: moment, memo: memo) * times
                taskCost += goesPremium ? premiumCost : cheapCost
                allCheap += cheapCost
                allPremium += premiumCost
                taskTokens += (call.input + call.output + call.reasoning) * Int(times)
            }
            costs.append(taskCost)
            tokens.append(taskTokens)
            cheapTotal += Double(allCheap)
            premiumTotal += Double(allPremium)
            crossed.append((Double(allCheap), Double(allPremium)))
        }
        return TaskDistribution(costs: costs, tokens: tokens, pairs: crossed)
    }
}

/// The cost of a task, as sampled.
public struct TaskDistribution: Sendable {
    /// Each sampled task's cost in nanos with its steps sent premium at random by the share, sorted.
    public let costs: [Int64]
    /// Each sampled task's tokens (input, output and reasoning), sorted.
    public let tokens: [Int]
    /// Each sampled task's cost (nanos) with every step on the cheap model and with every step on
    /// the premium one (summaries always cheap), in sampling order.
    let pairs: [(cheap: Double, premium: Double)]

    init(costs: [Int64], tokens: [Int], pairs: [(Double, Double)]) {
        self.costs = costs.sorted()
        self.tokens = tokens.sorted()
        self.pairs = pairs.map { (cheap: $0.0, premium: $0.1) }
    }

    /// The expected cost of a task with `share` of its steps premium: the mean over the sampled
    /// tasks of (1 − share) × all-cheap + share × all-premium — the expectation over which steps
    /// go premium taken exactly, so only the sizes are sampled (and every share is costed on the
    /// same tasks).
    public func mean(share: Double) -> Double {
        guard !pairs.isEmpty else { return 0 }
        return pairs.reduce(0.0) { $0 + (1 - share) * $1.cheap + share * $1.premium } / Double(pairs.count)
    }

    /// The standard error of `mean(share:)`.
    public func standardError(share: Double) -> Double {
        guard pairs.count > 1 else { return 0 }
        let mean = self.mean(share: share)
        let variance = pairs.reduce(0.0) { total, pair in
            let value = (1 - share) * pair.cheap + share * pair.premium
            return total + (value - mean) * (value - mean)
        } / Double(pairs.count - 1)
        return (variance / Double(pairs.count)).squareRoot()
    }

    /// The mean of the sampled costs as drawn (premium steps at random).
    public var mean: Double { costs.isEmpty ? 0 : costs.reduce(0.0) { $0 + Double($1) } / Double(costs.count) }

    /// The standard error of `mean`.
    public var standardError: Double {
        guard costs.count > 1 else { return 0 }
        let mean = self.mean
        let variance = costs.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(costs.count - 1)
        return (variance / Double(costs.count)).squareRoot()
    }

    /// The `p`-th percentile (nearest rank), in nanos.
    public func percentile(_ p: Double) -> Int64 {
        guard !costs.isEmpty else { return 0 }
        return costs[min(costs.count - 1, max(0, Int((p / 100 * Double(costs.count)).rounded(.up)) - 1))]
    }

    public var meanTokens: Double { tokens.isEmpty ? 0 : tokens.reduce(0.0) { $0 + Double($1) } / Double(tokens.count) }
}

public struct ForecastError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
