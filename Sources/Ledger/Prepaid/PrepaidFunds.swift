/// The order in which an owner's prepaid funds are drawn, and how a charge splits across them.
///
/// A fund is an account with the `debitsMustNotExceedCredits` flag (so the store refuses to
/// overdraw it), optionally an expiry and, for token packages, a model. Funds are drawn by:
/// a token package for the requested model first, then lower `priority` (see the constants), then
/// earliest expiry (funds that never expire last), then oldest.
public enum PrepaidFunds {
    /// Suggested priorities: packages before granted credit before paid credit.
    public static let tokenPackagePriority: Int64 = 0
    public static let grantedCreditPriority: Int64 = 10
    public static let paidCreditPriority: Int64 = 20

    /// The funds of `unit` that may pay for `model` at `now`, in drawing order; empty ones left out.
    public static func drawingOrder(_ accounts: [Account], unit: String, model: String?, at now: Int64) -> [Account] {
        accounts
            .filter { account in
                account.unit == unit && account.flags.contains(.debitsMustNotExceedCredits)
                    && (account.expiresAt.map { $0 > now } ?? true)
                    && (account.model == nil || account.model == model)
                    && account.available > 0
            }
            .sorted { a, b in
                let aForModel = a.model != nil, bForModel = b.model != nil
                if aForModel != bForModel { return aForModel }
                if a.priority != b.priority { return a.priority < b.priority }
                if a.expiresAt != b.expiresAt { return (a.expiresAt ?? .max) < (b.expiresAt ?? .max) }
                if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
                return a.id < b.id
            }
    }

    /// How `amount` splits across `funds` (already in drawing order): what to take from each, or
    /// `nil` when together they hold less than `amount`.
    public static func split(_ amount: Int64, across funds: [Account]) -> [(accountID: String, amount: Int64)]? {
        var rest = amount
        var parts: [(accountID: String, amount: Int64)] = []
        for fund in funds where rest > 0 {
            let take = min(rest, fund.available)
            if take > 0 {
                parts.append((fund.id, take))
                rest -= take
            }
        }
        return rest == 0 ? parts : nil
    }
}
