import Foundation
import Gateway
import Pricing
import TollgateCore

/// A forecast as a terminal table, JSON (money as decimal strings with the currency) or a
/// self-contained HTML page with SVG charts.
public enum ForecastOutput {
    public static func table(_ report: ForecastReport) -> String {
        let w = report.workload
        var lines: [String] = []
        lines.append("\(w.name): \(w.days) days, \(format(w.tasksPerDay)) tasks/day, cheap \(report.cheap), premium \(report.premium), "
                     + "premium share \(percent(w.premiumShare))")
        lines.append("")
        let expectation = report.exact ? "exact expectation" : "Monte Carlo mean ± \(report.standardError.description) (s.e.)"
        let code = report.currency.code
        let show: (Money) -> String = { "\(readable($0)) \(code)" }
        lines.append("per task    \(report.perTask.description)  (\(expectation); \(format(report.tokensPerTask)) tokens)")
        lines.append("            p50 \(show(report.p50))  p90 \(show(report.p90))  p99 \(show(report.p99))  "
                     + "(\(report.samples) tasks sampled, seed \(w.seed))")
        lines.append("per day     \(show(report.perDay))")
        lines.append("period      \(show(report.period))  (\(format(report.totalTasks)) tasks)")
        lines.append("")
        let rows = [["CHOICE", "PREMIUM", "PER TASK", "PER DAY", "PERIOD"]]
            + report.choices.map { [$0.name, percent($0.premiumShare), show($0.perTask), show($0.perDay), show($0.period)] }
        lines += aligned(rows)
        if let breakEven = report.breakEvenShare, let budget = w.budgetPerDay {
            lines.append("")
            lines.append("A budget of \(budget) \(report.currency.code)/day allows a premium share up to \(percent(breakEven)).")
        }
        if !report.sensitivity.isEmpty {
            lines.append("")
            lines += aligned([["PARAMETER", "VARIED", "PERIOD COST"]] + report.sensitivity.map { [$0.parameter, $0.variation, signedPercent($0.change)] })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ report: ForecastReport) -> String {
        let amount: (Money) -> JSONValue = { .string($0.decimalString) }
        var choices: [JSONValue] = []
        for choice in report.choices {
            choices.append(["name": .string(choice.name), "premium_share": .double(choice.premiumShare), "per_task": amount(choice.perTask),
                            "per_day": amount(choice.perDay), "period": amount(choice.period)])
        }
        var value: JSONValue = [
            "workload": .string(report.workload.name), "days": .int(Int64(report.workload.days)),
            "tasks_per_day": .double(report.workload.tasksPerDay), "cheap": .string(report.cheap), "premium": .string(report.premium),
            "premium_share": .double(report.workload.premiumShare), "currency": .string(report.currency.code),
            "samples": .int(Int64(report.samples)), "seed": .int(Int64(report.workload.seed)),
            "per_task": ["expected": amount(report.perTask), "exact": .bool(report.exact), "standard_error": amount(report.standardError),
                         "p50": amount(report.p50), "p90": amount(report.p90), "p99": amount(report.p99),
                         "tokens": .double(report.tokensPerTask)],
            "per_day": amount(report.perDay), "period": amount(report.period), "tasks": .double(report.totalTasks),
            "choices": .array(choices),
            "sensitivity": .array(report.sensitivity.map {
                ["parameter": .string($0.parameter), "variation": .string($0.variation), "change": .double($0.change)]
            }),
        ]
        if let share = report.breakEvenShare { value["break_even_premium_share"] = .double(share) }
        return value.jsonText + "\n"
    }

    public static func html(_ report: ForecastReport) -> String {
        let w = report.workload
        let currency = report.currency.code
        let money: (Money) -> String = { "\(readable($0)) \(currency)" }
        let choiceBars = barChart(title: "Cost of the period by choice", labels: report.choices.map(\.name),
                                  values: report.choices.map { Double($0.period.nanos) / 1e9 }, unit: currency)
        let histogram = histogramChart(report.distribution.map { Double($0.nanos) / 1e9 }, unit: currency,
                                       marks: [("p50", report.p50), ("p90", report.p90), ("p99", report.p99)].map { ($0, Double($1.nanos) / 1e9) })
        let tornado = sensitivityChart(report.sensitivity)
        let rows = report.choices.map { choice in
            "<tr><th scope=\"row\">\(escape(choice.name))</th><td>\(percent(choice.premiumShare))</td><td>\(money(choice.perTask))</td>"
                + "<td>\(money(choice.perDay))</td><td>\(money(choice.period))</td></tr>"
        }.joined(separator: "\n")
        let breakEven = report.breakEvenShare.map { share in
            "<p>A budget of \(escape("\(w.budgetPerDay!)")) \(currency) a day allows a premium share up to <strong>\(percent(share))</strong>.</p>"
        } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Forecast: \(escape(w.name))</title>
            <style>
            body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1rem; color: #1d2330; }
            h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
            .figures { display: flex; flex-wrap: wrap; gap: 1rem; }
            .figure { border: 1px solid #d5d9e2; border-radius: 6px; padding: 0.6rem 1rem; min-width: 12rem; }
            .figure span { display: block; color: #5b6475; font-size: 0.85rem; } .figure strong { font-size: 1.25rem; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: right; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e5e8ee; }
            th:first-child, td:first-child { text-align: left; }
            figure { margin: 1rem 0; overflow-x: auto; } figcaption { margin-top: 0.3rem; }
            svg { width: 100%; min-width: 640px; height: auto; } svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
            .muted { color: #5b6475; } .scroll { overflow-x: auto; }
            p, h1 { overflow-wrap: anywhere; }
            </style>
            </head>
            <body>
            <h1>\(escape(w.name))</h1>
            <p class="muted">\(w.days) days from \(dateText(w.start)), \(format(w.tasksPerDay)) tasks a day; cheap \(escape(report.cheap)), \
            premium \(escape(report.premium)), premium share \(percent(w.premiumShare)); \(report.samples) tasks sampled with seed \(w.seed).</p>
            <div class="figures">
            <div class="figure"><span>per task (\(report.exact ? "exact expectation" : "Monte Carlo mean"))</span><strong>\(money(report.perTask))</strong></div>
            <div class="figure"><span>per day</span><strong>\(money(report.perDay))</strong></div>
            <div class="figure"><span>period</span><strong>\(money(report.period))</strong></div>
            <div class="figure"><span>per task p50 / p90 / p99</span><strong>\(readable(report.p50)) / \(readable(report.p90)) / \(readable(report.p99))</strong></div>
            </div>
            <h2>Choices</h2>
            <div class="scroll"><table id="choices">
            <thead><tr><th scope="col">choice</th><th scope="col">premium share</th><th scope="col">per task</th><th scope="col">per day</th><th scope="col">period</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table></div>
            \(breakEven)
            \(choiceBars)
            <h2>Cost of a task</h2>
            \(histogram)
            <h2>What moves the bill</h2>
            <p class="muted">The period's cost with each parameter 10% higher (a fixed step count one step more).</p>
            \(tornado)
            </body>
            </html>

            """
    }

    // MARK: charts

    static func barChart(title: String, labels: [String], values: [Double], unit: String) -> String {
        let width = 900.0, rowHeight = 34.0, left = 150.0, right = 150.0
        let height = rowHeight * Double(labels.count) + 40
        let top = max(values.max() ?? 0, 1e-12)
        var bars = ""
        for (index, (label, value)) in zip(labels, values).enumerated() {
            let y = 30 + Double(index) * rowHeight
            let length = (width - left - right) * value / top
            bars += """
                <text x="\(left - 8)" y="\(y + 17)" text-anchor="end">\(escape(label))</text>
                <rect class="bar" x="\(left)" y="\(y + 4)" width="\(fixed(length))" height="\(rowHeight - 10)" fill="#3b6fd8" data-value="\(value)"><title>\(escape(label)): \(amountText(value)) \(unit)</title></rect>
                <text x="\(fixed(left + length + 6))" y="\(y + 17)">\(amountText(value)) \(unit)</text>

                """
        }
        return """
            <figure><svg id="choices-chart" viewBox="0 0 \(fixed(width)) \(fixed(height))" role="img" aria-label="\(escape(title))">
            <text x="0" y="16" font-weight="bold">\(escape(title))</text>
            \(bars)</svg></figure>
            """
    }

    static func histogramChart(_ values: [Double], unit: String, marks: [(String, Double)] = []) -> String {
        guard let low = values.min(), let high = values.max() else { return "<p>No tasks sampled.</p>" }
        let binCount = low == high ? 1 : 30
        var bins = [Int](repeating: 0, count: binCount)
        for value in values {
            let index = high == low ? 0 : min(Int((value - low) / (high - low) * Double(binCount)), binCount - 1)
            bins[index] += 1
        }
        let width = 900.0, height = 260.0, bottom = 40.0, top = 20.0
        let tallest = Double(bins.max() ?? 1)
        let barWidth = (width - 20) / Double(binCount)
        var rects = ""
        for (index, count) in bins.enumerated() {
            let barHeight = (height - bottom - top) * Double(count) / tallest
            let from = low + (high - low) * Double(index) / Double(binCount)
            rects += "<rect class=\"bin\" x=\"\(fixed(10 + Double(index) * barWidth))\" y=\"\(fixed(height - bottom - barHeight))\" "
                + "width=\"\(fixed(max(barWidth - 2, 1)))\" height=\"\(fixed(barHeight))\" fill=\"#6a8fd8\" data-count=\"\(count)\">"
                + "<title>\(count) tasks from \(amountText(from)) \(unit)</title></rect>\n"
        }
        var lines = ""
        for (label, value) in marks where high > low {
            let x = 10 + (width - 20) * (value - low) / (high - low)
            lines += "<line class=\"mark\" x1=\"\(fixed(x))\" y1=\"\(fixed(top))\" x2=\"\(fixed(x))\" y2=\"\(fixed(height - bottom))\" "
                + "stroke=\"#d8673b\" stroke-dasharray=\"4 3\"/><text x=\"\(fixed(x + 3))\" y=\"\(fixed(top + 10))\">\(label)</text>\n"
        }
        return """
            <figure><svg id="distribution-chart" viewBox="0 0 \(fixed(width)) \(fixed(height))" role="img" aria-label="Distribution of the cost of a task">
            \(rects)\(lines)<line x1="10" y1="\(fixed(height - bottom))" x2="\(fixed(width - 10))" y2="\(fixed(height - bottom))" stroke="#5b6475"/>
            <text x="10" y="\(fixed(height - 14))">\(amountText(low)) \(unit)</text>
            <text x="\(fixed(width - 10))" y="\(fixed(height - 14))" text-anchor="end">\(amountText(high)) \(unit)</text>
            </svg><figcaption class="muted">\(values.count) tasks sampled; each bar counts the tasks in its cost range.</figcaption></figure>
            """
    }

    static func sensitivityChart(_ rows: [ForecastReport.Sensitivity]) -> String {
        guard !rows.isEmpty else { return "<p>Nothing to vary.</p>" }
        let width = 900.0, rowHeight = 28.0, left = 200.0
        let height = rowHeight * Double(rows.count) + 20
        let largest = max(rows.map { abs($0.change) }.max() ?? 0, 1e-12)
        let middle = left + (width - left - 80) / 2
        let half = (width - left - 80) / 2
        var bars = ""
        for (index, row) in rows.enumerated() {
            let y = 10 + Double(index) * rowHeight
            let length = half * abs(row.change) / largest
            let x = row.change >= 0 ? middle : middle - length
            bars += """
                <text x="\(left - 8)" y="\(fixed(y + 15))" text-anchor="end">\(escape(row.parameter)) \(row.variation)</text>
                <rect class="effect" x="\(fixed(x))" y="\(fixed(y + 3))" width="\(fixed(max(length, 1)))" height="\(rowHeight - 8)" fill="\(row.change >= 0 ? "#d8673b" : "#3ba86a")" data-change="\(row.change)"><title>\(escape(row.parameter)) \(row.variation): \(signedPercent(row.change))</title></rect>
                <text x="\(fixed(row.change >= 0 ? x + length + 6 : x - 6))" y="\(fixed(y + 15))" text-anchor="\(row.change >= 0 ? "start" : "end")">\(signedPercent(row.change))</text>

                """
        }
        return """
            <figure><svg id="sensitivity-chart" viewBox="0 0 \(fixed(width)) \(fixed(height))" role="img" aria-label="Sensitivity of the period's cost">
            <line x1="\(fixed(middle))" y1="0" x2="\(fixed(middle))" y2="\(fixed(height))" stroke="#5b6475"/>
            \(bars)</svg></figure>
            """
    }

    // MARK: text

    public static func aligned(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in
                column == 0 ? row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - row[column].count) + row[column]
            }.joined(separator: "  ")
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.1f", value)
    }

    /// An amount for people (see `Money.readable`).
    public static func readable(_ money: Money) -> String { money.readable }

    static func signedPercent(_ change: Double) -> String { String(format: "%+.1f%%", change * 100) }

    static func amountText(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : value >= 1 ? String(format: "%.2f", value) : String(format: "%.4f", value)
    }

    static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    static func dateText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static func escape(_ text: String) -> String { HTML.escape(text) }
}
