import Foundation
import Pricing
@testable import Simulator
import Testing
import TollgateCore

@Suite struct ForecastTests {
    static let catalog = try! PriceBook.builtIn()

    /// A catalog model at its list price (deepseek-chat: 280 nanos an input token, 28 cached, 420
    /// output; claude-sonnet-4-5: 3,000, 300 and 15,000).
    static func pricer(_ name: String) -> Pricer { try! Pricer(name: name, book: catalog) }

    /// The issue's coding agent: 10 steps of 1,000 system, 500 tools, 200 user, 300 tool output and
    /// 100 output tokens, the whole context carried, 100 tasks a day for 30 days; `overrides`
    /// replace its lines or add to them.
    static func workload(_ overrides: [String: String] = [:]) throws -> Workload {
        try WorkloadLoader().parse(text(overrides), file: "w.yaml")
    }

    static let base: [(String, String)] = [
        ("name", "coding-agent"), ("days", "30"), ("start", "2026-12-07"), ("tasks_per_day", "100"),
        ("models", "{cheap: deepseek-chat, premium: claude-sonnet-4-5}"), ("steps", "10"), ("system_tokens", "1000"),
        ("tool_definition_tokens", "500"), ("user_tokens", "200"), ("tool_output_tokens", "300"), ("output_tokens", "100"),
        ("reasoning_tokens", "0"), ("context", "full"), ("seed", "1"),
    ]

    static func text(_ overrides: [String: String]) -> String {
        var lines = base.map { key, value in "\(key): \(overrides[key] ?? value)" }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) where !base.contains(where: { $0.0 == key }) {
            lines.append("\(key): \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func report(_ workload: Workload, samples: Int = 2000) throws -> ForecastReport {
        try ForecastReport.make(try Forecaster(workload: workload, cheap: pricer(workload.cheap), premium: pricer(workload.premium)),
                                samples: samples, autoShare: 0.3)
    }

    @Test func aFixedSizeWorkloadCostsWhatAHandCalculationSaysToTheNanoUnit() throws {
        // Input: step k sends 1,700 + (k − 1) × 400 tokens: 17,000 + 400 × 45 = 35,000 a task; output 1,000.
        let cheapTask: Int64 = 35_000 * 280 + 1_000 * 420            // 10,220,000 nanos
        let premiumTask: Int64 = 35_000 * 3_000 + 1_000 * 15_000     // 120,000,000 nanos
        let allCheap = try Self.report(Self.workload(["premium_share": "0"]))
        #expect(allCheap.exact)
        #expect(allCheap.perTask.nanos == cheapTask)
        #expect(allCheap.perDay.nanos == cheapTask * 100)
        #expect(allCheap.period.nanos == cheapTask * 100 * 30)
        #expect(allCheap.tokensPerTask == 36_000)
        let hybrid = try Self.report(Self.workload(["premium_share": "0.25"]))
        let expected = (cheapTask * 3 + premiumTask) / 4             // 37,665,000 nanos, exactly
        #expect(hybrid.perTask.nanos == expected)
        #expect(hybrid.period.nanos == expected * 3_000)
        #expect(hybrid.choices.map(\.name) == ["all cheap", "all premium", "hybrid 25%", "auto 30%"])
        #expect(hybrid.choices.map(\.perTask.nanos) == [cheapTask, premiumTask, expected, (cheapTask * 7 + premiumTask * 3) / 10])
        // Half the input cached (every step's input is even): 17,500 × 280 + 17,500 × 28 + 1,000 × 420.
        let cached = try Self.report(Self.workload(["cache_hit_ratio": "0.5"]))
        #expect(cached.perTask.nanos == 17_500 * 280 + 17_500 * 28 + 1_000 * 420)
        // A retry rate bills that share of the calls twice.
        let retried = try Self.report(Self.workload(["retry_rate": "0.1"]))
        #expect(retried.perTask.nanos == cheapTask * 11 / 10)
    }

    @Test func theContextCarriedIsEveryStepAWindowOrNothingAndSummariesReplaceIt() throws {
        var random = SplitMix64(seed: 1)
        var type = try Self.workload().types[0]
        #expect(Forecaster.calls(of: type, using: &random).map(\.input) == (0..<10).map { 1_700 + $0 * 400 })
        type.context = .window(2)
        #expect(Forecaster.calls(of: type, using: &random).map(\.input) == [1_700, 2_100] + Array(repeating: 2_500, count: 8))
        type.context = .none
        #expect(Forecaster.calls(of: type, using: &random).map(\.input) == Array(repeating: 1_700, count: 10))
        type.context = .full
        type.summaryEvery = 4
        type.summaryTokens = .fixed(150)
        let calls = Forecaster.calls(of: type, using: &random)
        #expect(calls.map(\.input) == [1_700, 2_100, 2_500, 2_900, 1_600, 1_850, 2_250, 2_650, 3_050, 1_750, 1_850, 2_250])
        #expect(calls.filter(\.summary).map(\.output) == [150, 150])
    }

    @Test func theClosedFormExpectationEqualsTheMonteCarloMeanWithinItsStandardError() throws {
        let workload = try Self.workload(["premium_share": "0.25", "retry_rate": "0.05"])
        let forecaster = try Forecaster(workload: workload, cheap: Self.pricer(workload.cheap), premium: Self.pricer(workload.premium))
        let exact = try #require(try forecaster.exactPeriodNanos()) / forecaster.totalTasks
        let sampled = try forecaster.simulate(samples: 4000)
        #expect(sampled.standardError > 0)
        #expect(abs(sampled.mean - exact) <= 3 * sampled.standardError, "\(sampled.mean) vs \(exact) ± \(sampled.standardError)")
        #expect(sampled.percentile(50) <= sampled.percentile(90) && sampled.percentile(90) <= sampled.percentile(99))
    }

    @Test func distributionsAreDrawnWithTheirMeansAndBoundsAndTheSeedRepeatsAForecast() throws {
        var random = SplitMix64(seed: 42)
        let uniform = (0..<20_000).map { _ in Size.uniform(10, 20).draw(using: &random) }
        #expect(uniform.min() == 10 && uniform.max() == 20)
        #expect(abs(Double(uniform.reduce(0, +)) / 20_000 - 15) < 0.1)
        let lognormal = (0..<20_000).map { _ in Size.lognormal(median: 3_000, sigma: 0.6).draw(using: &random) }.sorted()
        #expect(abs(Double(lognormal[10_000]) - 3_000) < 60)
        let normal = (0..<20_000).map { _ in Size.normal(mean: 350, sd: 100).draw(using: &random) }
        #expect(abs(Double(normal.reduce(0, +)) / 20_000 - 350) < 3)
        #expect(Set((0..<1000).map { _ in Size.empirical([1, 5, 9]).draw(using: &random) }) == [1, 5, 9])
        let varied = try Self.workload(["tool_output_tokens": "{lognormal: {median: 300, sigma: 0.5}}", "steps": "{uniform: [5, 15]}"])
        #expect(!varied.isFixed)
        let first = try Self.report(varied, samples: 500), second = try Self.report(varied, samples: 500)
        #expect(!first.exact)
        #expect(first.perTask == second.perTask && first.p90 == second.p90, "the same seed gives the same forecast")
        #expect(first.standardError.nanos > 0)
    }

    @Test func tasksArePricedAtTheirHourSoAnOffPeakWindowOfThePriceBookApplies() throws {
        // In March 2025 DeepSeek priced 16:30–00:30 UTC at half (the catalog's time window).
        let hours: (Int) -> String = { hour in "[" + (0..<24).map { $0 == hour ? "1" : "0" }.joined(separator: ", ") + "]" }
        let peak = try Self.report(Self.workload(["start": "2025-03-03", "premium_share": "0", "hourly_shape": hours(10)]))
        let offPeak = try Self.report(Self.workload(["start": "2025-03-03", "premium_share": "0", "hourly_shape": hours(20)]))
        // 35,000 input at 0.27 USD/1M and 1,000 output at 1.10 USD/1M: 9,450,000 + 1,100,000 nanos.
        #expect(peak.perTask.nanos == 35_000 * 270 + 1_000 * 1_100)
        #expect(offPeak.perTask.nanos * 2 == peak.perTask.nanos)
        let both = try Self.report(Self.workload(["start": "2025-03-03", "premium_share": "0",
                                                  "hourly_shape": "[" + (0..<24).map { $0 == 10 || $0 == 20 ? "1" : "0" }.joined(separator: ", ") + "]"]))
        #expect(both.perTask.nanos * 4 == peak.perTask.nanos * 3, "half the tasks at each price")
    }

    @Test func theWeeklyShapeSpreadsTheSameMeanVolumeOverTheWeek() throws {
        // 2026-12-07 is a Monday: 28 days are four whole weeks.
        let workload = try Self.workload(["weekly_shape": "[2, 2, 2, 2, 2, 0, 0]"]).withDays(28)
        let days = workload.tasksByDay
        #expect(days[0] == 140 && days[5] == 0 && days[6] == 0)
        #expect(days.reduce(0, +) == 100 * 28)
    }

    @Test func theSensitivityNamesWhatMovesTheBillMostFirst() throws {
        let report = try Self.report(Self.workload(["premium_share": "0.25"]))
        #expect(report.sensitivity.first?.parameter == "steps", "an 11th step, the largest, costs 15.6% more")
        let tasks = try #require(report.sensitivity.first { $0.parameter == "tasks_per_day" })
        #expect(abs(tasks.change - 0.1) < 1e-9)
        let steps = try #require(report.sensitivity.first { $0.parameter == "steps" })
        #expect(steps.variation == "+1")
        // An 11th step sends 1,700 + 4,000 input tokens and 100 output.
        let eleventh = 0.75 * Double(5_700 * 280 + 100 * 420) + 0.25 * Double(5_700 * 3_000 + 100 * 15_000)
        #expect(abs(steps.change - eleventh / 37_665_000) < 1e-9)
        #expect(report.sensitivity.map { abs($0.change) } == report.sensitivity.map { abs($0.change) }.sorted(by: >))
    }

    @Test func aBudgetGivesTheLargestPremiumShareItAffords() throws {
        // A day costs 1.022 USD all cheap, 12 USD all premium: 5 USD affords (5 − 1.022) / 10.978.
        let report = try Self.report(Self.workload(["budget_per_day": "5"]))
        let share = try #require(report.breakEvenShare)
        #expect(abs(share - (5 - 1.022) / (12 - 1.022)) < 1e-9)
    }

    @Test(arguments: [
        ("cache", "1", "cache: unknown key"),
        ("premium_share", "1.5", "premium_share: '1.5' is not a number 0…1"),
        ("context", "half", "context: 'half' is not full, none or window:N"),
        ("output_tokens", "{poisson: 3}", "output_tokens.poisson: unknown key"),
        ("user_tokens", "{uniform: [5, 1]}", "user_tokens.uniform: low is above high"),
        ("task_types", "[{name: x, weight: 0}]", "task_types: needs a weight above 0"),
        ("days", "0", "days: '0' is not a whole number at least 1"),
    ])
    func aMistakeInAWorkloadIsNamedByLineAndKey(_ key: String, _ value: String, _ message: String) throws {
        let text = Self.text([key: value])
        let line = text.split(separator: "\n").firstIndex { $0.hasPrefix(key + ":") }! + 1
        do {
            _ = try WorkloadLoader().parse(text, file: "w.yaml")
            Issue.record("accepted \(key): \(value)")
        } catch let error as WorkloadError {
            #expect(error.description.hasPrefix("w.yaml:\(line): " + message), "\(error)")
        }
    }

    @Test func theJSONReportGivesMoneyAsDecimalStringsAndTheHTMLReportHoldsItsThreeCharts() throws {
        let report = try Self.report(Self.workload(["premium_share": "0.25"]))
        let json = try JSONValue(parsing: Array(ForecastOutput.json(report).utf8))
        #expect(json["period"] == "112.995000000")
        #expect(json["per_day"] == "3.766500000")
        #expect(json["per_task"]?["expected"] == "0.037665000")
        #expect(json["per_task"]?["exact"] == true)
        #expect(json["currency"] == "USD")
        #expect(json["choices"]?.arrayValue?.count == 4)
        let html = ForecastOutput.html(report)
        for id in ["choices-chart", "distribution-chart", "sensitivity-chart"] { #expect(html.contains("<svg id=\"\(id)\"")) }
        #expect(!html.contains("<script"), "no JavaScript")
        #expect(!html.contains("http://") && !html.contains("https://"), "nothing fetched")
    }
}

extension Workload {
    func withDays(_ days: Int) -> Workload {
        var copy = self
        copy.days = days
        return copy
    }
}
