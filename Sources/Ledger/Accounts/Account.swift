/// A ledger account: a unit, an owner, sign conventions, limits, and four counters.
///
/// The counters (`debitsPending`, `debitsPosted`, `creditsPending`, `creditsPosted`) always equal
/// the sums of the account's transfers; the store updates them in the transaction that records
/// the transfer, and `LedgerVerifier` recomputes them.
public struct Account: Sendable, Hashable, Codable {
    /// Chosen by the caller, such as `org:acme:usd` or `org:acme:pkg:deepseek:2026-11`.
    public var id: String
    /// A currency code (`USD`) or a token unit (`tokens:deepseek`). Transfers never cross units.
    public var unit: String
    public var owner: AccountOwner
    public var kind: AccountKind
    public var flags: AccountFlags
    /// For prepaid funds: lower is drawn first (see `PrepaidFunds`).
    public var priority: Int64
    /// For prepaid funds: after this instant (ms since the epoch) nothing more may be drawn and the
    /// expiry service moves what is left to the owner's expiry account.
    public var expiresAt: Int64?
    /// For token packages: the model the tokens may be spent on.
    public var model: String?

    public var debitsPending: Int64 = 0
    public var debitsPosted: Int64 = 0
    public var creditsPending: Int64 = 0
    public var creditsPosted: Int64 = 0
    /// Set by the store when the account is created.
    public var createdAt: Int64 = 0

    public init(id: String, unit: String, owner: AccountOwner, kind: AccountKind, flags: AccountFlags = [],
                priority: Int64 = 0, expiresAt: Int64? = nil, model: String? = nil) {
        self.id = id
        self.unit = unit
        self.owner = owner
        self.kind = kind
        self.flags = flags
        self.priority = priority
        self.expiresAt = expiresAt
        self.model = model
    }

    /// The posted balance in the account's normal direction: credits − debits for liabilities,
    /// equity and revenue; debits − credits for assets and expenses.
    public var balance: Int64 {
        kind.isDebitNormal ? debitsPosted - creditsPosted : creditsPosted - debitsPosted
    }

    /// What can still be reserved or spent: the balance less what pending transfers hold.
    public var available: Int64 {
        kind.isDebitNormal ? debitsPosted - creditsPosted - creditsPending
                           : creditsPosted - debitsPosted - debitsPending
    }

    /// Whether `other` describes the same account, ignoring counters and creation time;
    /// `nil` when it does, else the name of the first differing field.
    func differingField(from other: Account) -> String? {
        if unit != other.unit { return "unit" }
        if owner != other.owner { return "owner" }
        if kind != other.kind { return "kind" }
        if flags != other.flags { return "flags" }
        if priority != other.priority { return "priority" }
        if expiresAt != other.expiresAt { return "expires_at" }
        if model != other.model { return "model" }
        return nil
    }
}

/// Who an account belongs to.
public struct AccountOwner: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: Kind
    public var id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case organization, team, key, provider, platform, system
    }

    public var description: String { "\(kind.rawValue):\(id)" }
}

/// The accounting kind of an account, which fixes which side increases its balance.
public enum AccountKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Debit-normal: what the platform holds or is owed (cash, receivables).
    case asset
    /// Credit-normal: what the platform owes (a customer's prepaid credit, a provider payable).
    case liability
    /// Credit-normal: capital, opening balances, grants the platform funds.
    case equity
    /// Credit-normal: margin, expired credit (breakage).
    case revenue
    /// Debit-normal: provider costs.
    case expense

    public var isDebitNormal: Bool { self == .asset || self == .expense }
}

/// Limits the store enforces on every transfer, pending amounts included.
public struct AccountFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// debits pending + debits posted ≤ credits posted: a prepaid balance that cannot go negative.
    public static let debitsMustNotExceedCredits = AccountFlags(rawValue: 1)
    /// credits pending + credits posted ≤ debits posted.
    public static let creditsMustNotExceedDebits = AccountFlags(rawValue: 2)
}
