import Foundation

/// An agent workload to cost before anyone pays for it: tasks per day, steps per task, and the
/// tokens each step sends and gets, fixed or drawn from distributions.
///
/// With `context: full`, step k (1-based) sends system + tools + user + (k − 1) × (output + tool
/// output) input tokens; each step's reasoning is billed as output and not carried.
public struct Workload: Sendable, Hashable {
    /// What a task carries from step to step.
    public enum Context: Sendable, Hashable {
        /// Every earlier step's output and tool output.
        case full
        /// The last N steps' output and tool output.
        case window(Int)
        /// Nothing: each step stands alone.
        case none
    }

    /// One kind of task: its sizes. A workload has one, or several with weights.
    public struct TaskType: Sendable, Hashable {
        public var name: String
        /// Its share of the tasks, relative to the other types' weights.
        public var weight: Double
        public var steps: Size
        public var systemTokens: Size
        public var toolDefinitionTokens: Size
        public var userTokens: Size
        public var toolOutputTokens: Size
        public var outputTokens: Size
        public var reasoningTokens: Size
        public var context: Context
        /// Every N steps the carried context is replaced by a summary of `summaryTokens`, made by
        /// a call of its own (input: what was carried; output: the summary); 0 never.
        public var summaryEvery: Int
        public var summaryTokens: Size

        /// Whether every size is fixed: the expectation then has a closed form.
        public var isFixed: Bool {
            [steps, systemTokens, toolDefinitionTokens, userTokens, toolOutputTokens, outputTokens, reasoningTokens, summaryTokens]
                .allSatisfy(\.isFixed)
        }
    }

    public var name: String
    /// The period costed.
    public var days: Int
    public var tasksPerDay: Double
    /// Model (or route) names: configured, or the catalog's.
    public var cheap: String
    public var premium: String
    /// Each step goes premium with this probability.
    public var premiumShare: Double
    /// The share of each step's input billed as cached input.
    public var cacheHitRatio: Double
    /// The share of steps that fail and are sent again (both calls billed).
    public var retryRate: Double
    public var types: [TaskType]
    /// Relative weights of the 24 hours of the day (UTC) at which tasks start: priced by time of
    /// day (off-peak windows). Flat by default.
    public var hourlyShape: [Double]
    /// Relative task volume on Monday … Sunday (the mean is `tasks_per_day`). Flat by default.
    public var weeklyShape: [Double]
    /// The first day of the period (UTC midnight): the prices in force then and after apply.
    public var start: Date
    /// A daily budget in the cheap model's currency, for the break-even share; optional.
    public var budgetPerDay: Decimal?
    public var seed: UInt64

    public init(name: String, days: Int, tasksPerDay: Double, cheap: String, premium: String, premiumShare: Double,
                cacheHitRatio: Double = 0, retryRate: Double = 0, types: [TaskType], hourlyShape: [Double] = Array(repeating: 1, count: 24),
                weeklyShape: [Double] = Array(repeating: 1, count: 7), start: Date, budgetPerDay: Decimal? = nil, seed: UInt64 = 1) {
        self.name = name
        self.days = days
        self.tasksPerDay = tasksPerDay
        self.cheap = cheap
        self.premium = premium
        self.premiumShare = premiumShare
        self.cacheHitRatio = cacheHitRatio
        self.retryRate = retryRate
        self.types = types
        self.hourlyShape = hourlyShape
        self.weeklyShape = weeklyShape
        self.start = start
        self.budgetPerDay = budgetPerDay
        self.seed = seed
    }

    /// Whether the expectation has a closed form: every size and the step count fixed.
    public var isFixed: Bool { types.allSatisfy(\.isFixed) }

    /// The tasks on each day of the period, by the weekly shape.
    public var tasksByDay: [Double] {
        let mean = weeklyShape.reduce(0, +) / 7
        let calendar = Self.utc
        return (0..<days).map { day in
            let date = start.addingTimeInterval(Double(day) * 86_400)
            // Calendar weekday: 1 Sunday … 7 Saturday; the shape runs Monday … Sunday.
            let weekday = (calendar.component(.weekday, from: date) + 5) % 7
            return mean > 0 ? tasksPerDay * weeklyShape[weekday] / mean : tasksPerDay
        }
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
