#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The dashboard's charts: inline SVG drawn on the server, scaled to the page's width. Every mark
/// carries its figure in `data-value` and a `<title>` a pointer shows, so what is drawn can be
/// read back and checked.
enum Charts {
    /// One labelled figure: `value` is what is drawn, `text` how it reads.
    struct Datum: Sendable {
        var label: String
        var value: Double
        var text: String
    }

    /// One series of a stacked chart.
    struct Series: Sendable {
        var name: String
        var color: String
        var values: [Double]
    }

    static let width = 560.0
    static let palette = ["#2f6fdb", "#e07b39", "#3a9e6e", "#9b59b6", "#c0392b", "#7f8c8d", "#d4ac0d", "#16a085"]

    /// A series over time: a line through one dot per point, the axis marked at zero, half and the top.
    static func line(id: String, title: String, points: [Datum], format: (Double) -> String) -> HTML {
        let height = 220.0, left = 64.0, right = 12.0, top = 28.0, bottom = 30.0
        let top_ = niceCeiling(points.map(\.value).max() ?? 0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let x = { (index: Int) -> Double in points.count < 2 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1) }
        let y = { (value: Double) -> Double in top + plotHeight * (1 - (top_ > 0 ? value / top_ : 0)) }
        let path = points.indices.map { "\(HTML.number(x($0))),\(HTML.number(y(points[$0].value)))" }.joined(separator: " ")
        let labelled = Set([0, points.count / 2, points.count - 1].filter { $0 >= 0 })
        return """
            <figure class="chart"><svg id="\(id)" class="chart line" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title)">
            <text class="chart-title" x="0" y="16">\(title)</text>
            \(axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight, top_: top_, format: format))
            <polyline class="series" points="\(path)" fill="none" stroke="\(palette[0])" stroke-width="2"/>
            \(points.indices.map { index -> HTML in
                "<circle class=\"point\" cx=\"\(x(index))\" cy=\"\(y(points[index].value))\" r=\"3.5\" fill=\"\(palette[0])\" data-label=\"\(points[index].label)\" data-value=\"\(String(points[index].value))\"><title>\(points[index].label): \(points[index].text)</title></circle>"
            })
            \(points.indices.filter(labelled.contains).map { index -> HTML in
                "<text class=\"tick\" x=\"\(x(index))\" y=\"\(height - 8)\" text-anchor=\"\(anchor(index, points.count))\">\(points[index].label)</text>"
            })
            </svg></figure>
            """
    }

    /// Figures side by side as horizontal bars, longest for the largest.
    static func bars(id: String, title: String, rows: [Datum]) -> HTML {
        let rowHeight = 26.0, left = 176.0, right = 110.0, top = 28.0
        let height = top + rowHeight * Double(max(rows.count, 1)) + 6
        let largest = rows.map(\.value).max() ?? 0
        let plotWidth = width - left - right
        let marks = rows.enumerated().map { index, row -> HTML in
            let y = top + rowHeight * Double(index)
            let length = largest > 0 ? max(1, plotWidth * row.value / largest) : 1
            return """
                <text x="\(left - 8)" y="\(y + 17)" text-anchor="end">\(truncated(row.label, 21))</text>
                <rect class="bar" x="\(left)" y="\(y + 4)" width="\(length)" height="\(rowHeight - 8)" fill="\(palette[index % palette.count])" data-label="\(row.label)" data-value="\(String(row.value))"><title>\(row.label): \(row.text)</title></rect>
                <text class="figure" x="\(left + length + 6)" y="\(y + 17)">\(row.text)</text>
                """
        }
        let empty: HTML = rows.isEmpty ? "<text x=\"\(left)\" y=\"\(top + 17)\" class=\"muted\">nothing in this period</text>" : ""
        return """
            <figure class="chart"><svg id="\(id)" class="chart bars" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title)">
            <text class="chart-title" x="0" y="16">\(title)</text>
            \(marks)\(empty)
            </svg></figure>
            """
    }

    /// Columns over time, each split into its series, with a legend.
    static func stacked(id: String, title: String, labels: [String], series: [Series], format: (Double) -> String) -> HTML {
        let height = 240.0, left = 64.0, right = 12.0, top = 46.0, bottom = 30.0
        let totals = labels.indices.map { index in series.reduce(0) { $0 + ($1.values.indices.contains(index) ? $1.values[index] : 0) } }
        let top_ = niceCeiling(totals.max() ?? 0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(labels.count, 1))
        let barWidth = max(2, slot * 0.7)
        var marks: [HTML] = []
        for index in labels.indices {
            var base = 0.0
            for entry in series {
                let value = entry.values.indices.contains(index) ? entry.values[index] : 0
                guard value > 0, top_ > 0 else { continue }
                let y = top + plotHeight * (1 - (base + value) / top_)
                let h = plotHeight * value / top_
                marks.append("""
                    <rect class="segment" x="\(left + slot * Double(index) + (slot - barWidth) / 2)" y="\(y)" width="\(barWidth)" height="\(max(h, 0.5))" fill="\(entry.color)" data-series="\(entry.name)" data-label="\(labels[index])" data-value="\(String(value))"><title>\(labels[index]) \(entry.name): \(format(value))</title></rect>
                    """)
                base += value
            }
        }
        let legend = series.enumerated().map { index, entry -> HTML in
            let x = left + Double(index) * 130
            return "<rect x=\"\(x)\" y=\"24\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/><text x=\"\(x + 18)\" y=\"34\">\(entry.name)</text>"
        }
        let labelled = Set([0, labels.count / 2, labels.count - 1].filter { $0 >= 0 })
        let ticks = labels.indices.filter(labelled.contains).map { index -> HTML in
            "<text class=\"tick\" x=\"\(left + slot * (Double(index) + 0.5))\" y=\"\(height - 8)\" text-anchor=\"\(anchor(index, labels.count))\">\(labels[index])</text>"
        }
        return """
            <figure class="chart"><svg id="\(id)" class="chart stacked" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title)">
            <text class="chart-title" x="0" y="16">\(title)</text>
            \(legend)
            \(axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight, top_: top_, format: format))
            \(marks)\(ticks)
            </svg></figure>
            """
    }

    /// A budget's period from its first day to its last: spending so far, day by day, against the
    /// budget and the even pace to it.
    static func burnDown(id: String, title: String, amount: Double, days: [Datum], periodDays: Int, startLabel: String, endLabel: String,
                         format: (Double) -> String) -> HTML {
        let height = 200.0, left = 64.0, right = 12.0, top = 28.0, bottom = 30.0
        let top_ = niceCeiling(max(amount, days.map(\.value).max() ?? 0))
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let span = Double(max(periodDays, 1))
        let x = { (day: Double) -> Double in left + plotWidth * day / span }
        let y = { (value: Double) -> Double in top + plotHeight * (1 - (top_ > 0 ? value / top_ : 0)) }
        let path = ([HTML.number(x(0)) + "," + HTML.number(y(0))]
            + days.indices.map { "\(HTML.number(x(Double($0 + 1)))),\(HTML.number(y(days[$0].value)))" }).joined(separator: " ")
        let ticks: [HTML] = [
            "<text class=\"tick\" x=\"\(left)\" y=\"\(height - 8)\" text-anchor=\"start\">\(startLabel)</text>",
            "<text class=\"tick\" x=\"\(left + plotWidth)\" y=\"\(height - 8)\" text-anchor=\"end\">\(endLabel)</text>",
        ]
        return """
            <figure class="chart"><svg id="\(id)" class="chart burndown" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title)">
            <text class="chart-title" x="0" y="16">\(title)</text>
            \(axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight, top_: top_, format: format))
            <line class="limit" x1="\(left)" y1="\(y(amount))" x2="\(left + plotWidth)" y2="\(y(amount))" stroke="#c0392b" stroke-width="1.5" data-value="\(String(amount))"><title>budget: \(format(amount))</title></line>
            <line class="pace" x1="\(left)" y1="\(y(0))" x2="\(left + plotWidth)" y2="\(y(amount))" stroke="#999" stroke-dasharray="4 4"><title>even pace</title></line>
            <polyline class="series" points="\(path)" fill="none" stroke="\(palette[0])" stroke-width="2"/>
            \(days.indices.map { index -> HTML in
                "<circle class=\"point\" cx=\"\(x(Double(index + 1)))\" cy=\"\(y(days[index].value))\" r=\"3\" fill=\"\(palette[0])\" data-label=\"\(days[index].label)\" data-value=\"\(String(days[index].value))\"><title>\(days[index].label): \(days[index].text)</title></circle>"
            })
            \(ticks)
            </svg></figure>
            """
    }

    /// The first label starts at its mark, the last ends at it, others are centred: none runs off the chart.
    private static func anchor(_ index: Int, _ count: Int) -> String {
        count > 1 && index == 0 ? "start" : count > 1 && index == count - 1 ? "end" : "middle"
    }

    /// Gridlines and labels at zero, half and the top of the scale.
    private static func axes(left: Double, top: Double, plotWidth: Double, plotHeight: Double, top_: Double,
                             format: (Double) -> String) -> HTML {
        let lines = [0.0, 0.5, 1.0].map { share -> HTML in
            let y = top + plotHeight * (1 - share)
            return """
                <line class="grid" x1="\(left)" y1="\(y)" x2="\(left + plotWidth)" y2="\(y)" stroke="#ddd"/>\
                <text class="tick" x="\(left - 6)" y="\(y + 4)" text-anchor="end">\(format(top_ * share))</text>
                """
        }
        return HTML(trusted: lines.map(\.text).joined(separator: "\n"))
    }

    /// The smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for nothing).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value * 0.999_999 { return step * magnitude }
        return 10 * magnitude
    }

    static func truncated(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
