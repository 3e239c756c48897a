import ArgumentParser
import Foundation
import Pricing
import TollgateCore

extension PricesCommand {
    /// A failure with a one-line reason.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `body`; any failure is printed as one line on standard error and exits 1.
    static func reportingFailure(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("tollgate: \(reason)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure("cannot read \(path): \(error.localizedDescription)")
        }
    }

    static func printJSON(_ data: Data) {
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

/// The JSON form of a cost for `prices cost --json`.
struct CostReport: Encodable {
    struct Line: Encodable {
        var tokens: Int
        var amount: String
        var nanos: Int64
    }

    var model: String
    var currency: String
    /// The total as a decimal with nine fractional digits, e.g. `0.000123400`.
    var total: String
    var totalNanos: Int64
    var breakdown: [String: Line]
    var priceEffectiveFrom: Date
    var timeWindow: String?
    var tierAboveInputTokens: Int?
    var multiplier: String

    init(_ cost: Pricing.Cost) {
        model = cost.model
        currency = cost.total.currency.code
        total = cost.total.decimalString
        totalNanos = cost.total.nanos
        breakdown = Dictionary(uniqueKeysWithValues: cost.lines.map {
            ($0.component.rawValue, Line(tokens: $0.tokens, amount: $0.amount.decimalString, nanos: $0.amount.nanos))
        })
        priceEffectiveFrom = cost.priceEffectiveFrom
        timeWindow = cost.timeWindow
        tierAboveInputTokens = cost.tierAboveInputTokens
        multiplier = cost.multiplier.description
    }

    enum CodingKeys: String, CodingKey {
        case model, currency, total, totalNanos = "total_nanos", breakdown, priceEffectiveFrom = "price_effective_from"
        case timeWindow = "time_window", tierAboveInputTokens = "tier_above_input_tokens", multiplier
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
