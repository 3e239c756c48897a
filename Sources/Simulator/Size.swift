import Foundation
import TollgateCore

/// A size in tokens (or a count of steps): fixed, or drawn from a distribution each time it is used.
public enum Size: Sendable, Hashable {
    case fixed(Double)
    /// Whole numbers from `low` to `high`, each as likely.
    case uniform(Double, Double)
    case normal(mean: Double, sd: Double)
    case lognormal(median: Double, sigma: Double)
    /// One of the values, each as likely.
    case empirical([Double])

    public var isFixed: Bool { if case .fixed = self { true } else { false } }

    /// Its mean.
    public var mean: Double {
        switch self {
        case .fixed(let value): value
        case .uniform(let low, let high): (low + high) / 2
        case .normal(let mean, _): mean
        case .lognormal(let median, let sigma): median * exp(sigma * sigma / 2)
        case .empirical(let values): values.reduce(0, +) / Double(max(values.count, 1))
        }
    }

    /// One draw, rounded to a whole number and never below zero.
    public func draw(using random: inout SplitMix64) -> Int {
        let value: Double
        switch self {
        case .fixed(let fixed):
            value = fixed
        case .uniform(let low, let high):
            value = (low + (high - low + 1) * random.unit()).rounded(.down)
        case .normal(let mean, let sd):
            value = mean + sd * random.gaussian()
        case .lognormal(let median, let sigma):
            value = median * exp(sigma * random.gaussian())
        case .empirical(let values):
            value = values[min(Int(random.unit() * Double(values.count)), values.count - 1)]
        }
        return max(0, Int(value.rounded()))
    }

    /// The same distribution scaled by `factor` (what the sensitivity analysis varies).
    public func scaled(by factor: Double) -> Size {
        switch self {
        case .fixed(let value): .fixed(value * factor)
        case .uniform(let low, let high): .uniform(low * factor, high * factor)
        case .normal(let mean, let sd): .normal(mean: mean * factor, sd: sd * factor)
        case .lognormal(let median, let sigma): .lognormal(median: median * factor, sigma: sigma)
        case .empirical(let values): .empirical(values.map { $0 * factor })
        }
    }
}
