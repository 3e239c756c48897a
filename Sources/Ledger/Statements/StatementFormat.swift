import Foundation

/// How `tollgate statement` and `tollgate settlement` print a statement.
public enum StatementFormat: String, Sendable, CaseIterable {
    case json, csv

    public func render(_ statement: Statement) throws -> String {
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return String(decoding: try encoder.encode(statement), as: UTF8.self) + "\n"
        case .csv:
            var out = "account,unit,row,sequence,transfer_id,timestamp,code,reference,counterparty,debit,credit,balance\n"
            for section in statement.accounts {
                let prefix = "\(csv(section.accountID)),\(csv(section.unit))"
                out += "\(prefix),opening,,,\(statement.from),,,,,,\(section.opening)\n"
                for line in section.lines {
                    out += "\(prefix),transfer,\(line.sequence),\(line.transferID),\(line.timestamp),\(csv(line.code)),"
                        + "\(csv(line.reference ?? "")),\(csv(line.counterparty)),\(line.debit),\(line.credit),\(line.balance)\n"
                }
                out += "\(prefix),closing,,,\(statement.to),,,,\(section.debits),\(section.credits),\(section.closing)\n"
                if let opening = section.openingRounded, let rounded = section.closingRounded {
                    out += "\(prefix),opening_rounded,,,\(statement.from),,remainder_nanos=\(opening.remainderNanos),,,,\(opening.rounded)\n"
                    out += "\(prefix),closing_rounded,,,\(statement.to),,remainder_nanos=\(rounded.remainderNanos),,,,\(rounded.rounded)\n"
                }
            }
            return out
        }
    }

    public func render(_ settlement: ProviderSettlement) throws -> String {
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return String(decoding: try encoder.encode(settlement), as: UTF8.self) + "\n"
        case .csv:
            var out = "account,unit,opening_owed,accrued,accrued_transfers,paid,adjustments,closing_owed,closing_owed_rounded,invoiced,difference\n"
            for line in settlement.accounts {
                out += "\(csv(line.accountID)),\(csv(line.unit)),\(line.openingOwed),\(line.accrued),\(line.accruedTransfers),\(line.paid),"
                    + "\(line.adjustments),\(line.closingOwed),\(line.closingOwedRounded?.rounded ?? ""),"
                    + "\(line.invoiced.map(String.init) ?? ""),\(line.difference.map(String.init) ?? "")\n"
            }
            return out
        }
    }

    /// Quotes a CSV field when it needs it (RFC 4180).
    private func csv(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
