import Ledger
import Synchronization
import TollgateCore

/// The gateway's chart of accounts: which ledger account holds what, by a fixed naming scheme,
/// and the creation of accounts on first use.
///
/// Customer side (owner: an organization, a team or a key — whoever pays):
/// - `{owner}:{CUR}:granted`, `{owner}:{CUR}:paid` — prepaid credit (liability, cannot go below zero);
///   `{owner}:{CUR}:grant:{id}` — a credit grant that expires.
/// - `{owner}:pkg:{id}` — a token package, in `tokens:{model}` (liability, cannot go below zero).
/// - `{owner}:{unit}:owed` — usage beyond what was prepaid (an asset: the customer owes it).
///
/// Platform and provider side:
/// - `platform:{CUR}:grants` (equity) and `platform:{CUR}:cash` (asset) fund credit;
/// - `platform:{CUR}:usage` — clearing: a request's customer leg credits it, its provider and
///   margin legs empty it again, so after settlement it nets to zero;
/// - `provider:{name}:{CUR}:payable` — what is owed to the provider, at cost;
/// - `platform:{CUR}:margin` — sell price less cost; `platform:{CUR}:breakage` — expired credit;
/// - `platform:{CUR}:package-sales`, `platform:{CUR}:package-cost`, `platform:tokens:{model}:issued`
///   and `…:redeemed` — token packages sold, their provider cost, and their tokens.
///
/// Budgets are memo accounts in the same ledger (owner `system`), so the store's own limit check
/// enforces them in the same transaction as the funds:
/// - `budget:{id}:{period start}[:{session}]` — credited with the budget's amount for its period by
///   a transfer whose id is derived from the account id (so every replica sends the same one);
///   hard budgets cannot go below zero. `…:over` records spending that settled above a reservation.
final class LedgerChart: Sendable {
    private let created = Mutex<Set<String>>([])
    let store: SQLLedgerStore

    init(store: SQLLedgerStore) { self.store = store }

    // MARK: Names

    static func owner(organization: String) -> AccountOwner { AccountOwner(.organization, organization) }
    static func owner(team: String, organization: String) -> AccountOwner { AccountOwner(.team, "\(organization)/\(team)") }
    static func owner(key: String) -> AccountOwner { AccountOwner(.key, key) }

    static func granted(_ owner: AccountOwner, _ currency: Currency) -> String { "\(owner):\(currency.code):granted" }
    static func paid(_ owner: AccountOwner, _ currency: Currency) -> String { "\(owner):\(currency.code):paid" }
    static func owed(_ owner: AccountOwner, unit: String) -> String { "\(owner):\(unit):owed" }
    static func usage(_ currency: Currency) -> String { "platform:\(currency.code):usage" }
    static func margin(_ currency: Currency) -> String { "platform:\(currency.code):margin" }
    static func grants(_ currency: Currency) -> String { "platform:\(currency.code):grants" }
    static func cash(_ currency: Currency) -> String { "platform:\(currency.code):cash" }
    static func breakage(_ unit: String) -> String { "platform:\(unit):breakage" }
    static func packageSales(_ currency: Currency) -> String { "platform:\(currency.code):package-sales" }
    static func packageCost(_ currency: Currency) -> String { "platform:\(currency.code):package-cost" }
    static func payable(_ provider: String, _ currency: Currency) -> String { "provider:\(provider):\(currency.code):payable" }
    static func tokenUnit(_ model: String) -> String { "tokens:\(model)" }
    static func tokensIssued(_ model: String) -> String { "platform:tokens:\(model):issued" }
    static func tokensRedeemed(_ model: String) -> String { "platform:tokens:\(model):redeemed" }
    static func budgetAllowance(_ currency: Currency) -> String { "system:\(currency.code):budget-allowance" }
    static func budgetSpent(_ currency: Currency) -> String { "system:\(currency.code):budget-spent" }

    // MARK: Accounts

    static func fund(_ id: String, owner: AccountOwner, unit: String, priority: Int64, expiresAt: Int64? = nil,
                     model: String? = nil) -> Account {
        Account(id: id, unit: unit, owner: owner, kind: .liability, flags: .debitsMustNotExceedCredits,
                priority: priority, expiresAt: expiresAt, model: model)
    }

    /// The platform and provider accounts a settlement in `currency` with `provider` touches.
    static func settlementAccounts(_ currency: Currency, provider: String) -> [Account] {
        let platform = AccountOwner(.platform, currency.code)
        return [
            Account(id: usage(currency), unit: currency.code, owner: platform, kind: .liability),
            Account(id: margin(currency), unit: currency.code, owner: platform, kind: .revenue),
            Account(id: payable(provider, currency), unit: currency.code, owner: AccountOwner(.provider, provider), kind: .liability),
        ]
    }

    func isEnsured(_ marker: String) -> Bool { created.withLock { $0.contains(marker) } }
    func markEnsured(_ marker: String) { _ = created.withLock { $0.insert(marker) } }

    /// Creates `accounts` unless this process already made sure they exist (creation is idempotent,
    /// so another process having made them first is fine).
    func ensure(_ accounts: [Account]) async throws {
        let missing = created.withLock { created in accounts.filter { !created.contains($0.id) } }
        if missing.isEmpty { return }
        try await store.createAccounts(missing)
        created.withLock { created in created.formUnion(missing.map(\.id)) }
    }
}
