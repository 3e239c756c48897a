import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The waste and savings reports as JSON (the admin API's answer) and as a plain-text table.
extension WasteReport {
    public var json: JSONValue {
        [
            "organization": .string(organization), "currency": .string(currency.code),
            "from": .string(ReportText.instant(from)), "to": .string(ReportText.instant(to)), "requests": .int(Int64(requests)),
            "findings": .array(findings.map { finding in
                ["kind": .string(finding.kind.rawValue), "title": .string(finding.kind.title),
                 "occurrences": .int(Int64(finding.occurrences)), "tokens": .int(finding.tokens),
                 "cost": .string(Money(nanos: finding.nanos, currency: currency).decimalString),
                 "examples": .array(finding.examples.map(JSONValue.string))]
            }),
            "total_cost": .string(Money(nanos: totalNanos, currency: currency).decimalString),
        ]
    }

    public var table: String {
        var rows = [["FINDING", "COUNT", "TOKENS", "COST \(currency.code)", "EXAMPLE"]]
        for finding in findings {
            rows.append([finding.kind.title, ReportText.grouped(Int64(finding.occurrences)), ReportText.grouped(finding.tokens),
                         Money(nanos: finding.nanos, currency: currency).decimalString, finding.examples.first ?? ""])
        }
        rows.append(["total", "", ReportText.grouped(findings.reduce(0) { $0 + $1.tokens }),
                     Money(nanos: totalNanos, currency: currency).decimalString, ""])
        let title = "Waste for \(organization), \(ReportText.instant(from)) to \(ReportText.instant(to)) (\(ReportText.grouped(Int64(requests))) requests)"
        return title + "\n" + (findings.isEmpty ? "nothing found\n" : ReportText.table(rows))
    }
}

extension SavingsReport {
    public var json: JSONValue {
        [
            "organization": .string(organization), "currency": .string(currency.code),
            "from": .string(ReportText.instant(from)), "to": .string(ReportText.instant(to)), "requests": .int(Int64(requests)),
            "spent": .string(Money(nanos: spentNanos, currency: currency).decimalString),
            "saved": .string(Money(nanos: savedNanos, currency: currency).decimalString),
            "lines": .array(lines.map { line in
                ["source": .string(line.source.rawValue), "title": .string(line.source.title), "requests": .int(Int64(line.requests)),
                 "tokens": .int(line.tokens), "saved": .string(Money(nanos: line.nanos, currency: currency).decimalString)]
            }),
        ]
    }

    public var table: String {
        var rows = [["SOURCE", "REQUESTS", "TOKENS", "SAVED \(currency.code)"]]
        for line in lines {
            rows.append([line.source.title, ReportText.grouped(Int64(line.requests)), ReportText.grouped(line.tokens),
                         Money(nanos: line.nanos, currency: currency).decimalString])
        }
        rows.append(["total", "", "", Money(nanos: savedNanos, currency: currency).decimalString])
        let title = "Savings for \(organization), \(ReportText.instant(from)) to \(ReportText.instant(to)) "
            + "(\(ReportText.grouped(Int64(requests))) requests, \(Money(nanos: spentNanos, currency: currency).decimalString) \(currency.code) spent)"
        return title + "\n" + ReportText.table(rows)
    }
}

enum ReportText {
    static func instant(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// 1234567 → 1,234,567.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Columns padded to their widest cell: the first left-aligned, the rest right-aligned.
    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == row.count - 1 && rows[0][column] == "EXAMPLE" ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
