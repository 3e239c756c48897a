import Ledger
import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Prepaid credit and token packages, kept on the ledger (see `LedgerChart` for the accounts).
extension AccountStore {
    /// Credit the platform gives (drawn first) or credit the customer paid for (drawn after).
    public enum CreditKind: String, Sendable, CaseIterable {
        case granted, paid
    }

    /// Who holds funds: an organization, one of its teams, or one of its keys. A request is paid
    /// by the first of its key, its team and its organization whose funds cover it.
    public enum Holder: Sendable, Hashable {
        case organization
        case team(String)
        case key(String)

        /// The ledger owner of this holder's accounts.
        public func owner(in organization: Organization) -> AccountOwner {
            switch self {
            case .organization: LedgerChart.owner(organization: organization.id)
            case .team(let team): LedgerChart.owner(team: team, organization: organization.id)
            case .key(let key): LedgerChart.owner(key: key)
            }
        }
    }

    /// Adds prepaid credit in the organization's currency to `holder`'s funds.
    ///
    /// - Parameter expiresAt: after this, what is left of it moves to breakage.
    /// - Returns: the ledger account that holds it.
    @discardableResult
    public func addCredit(_ amount: Money, to organization: Organization, holder: Holder = .organization, kind: CreditKind = .granted,
                          expiresAt: Date? = nil, note: String? = nil) async throws -> String {
        guard amount.currency == organization.currency else {
            throw AccountStoreError(.invalid, "\(organization.name) is billed in \(organization.currency), not \(amount.currency)")
        }
        guard amount.nanos > 0 else { throw AccountStoreError(.invalid, "a credit must be positive") }
        try await checkHolder(holder, of: organization)
        let currency = organization.currency
        let owner = holder.owner(in: organization)
        let id = TimeOrderedID()
        let priority = kind == .granted ? PrepaidFunds.grantedCreditPriority : PrepaidFunds.paidCreditPriority
        let expiry = expiresAt.map(Timestamp.milliseconds)
        if let expiry, expiry <= Timestamp.milliseconds(clock.date()) { throw AccountStoreError(.invalid, "the expiry is in the past") }
        let accountID = expiry == nil ? (kind == .granted ? LedgerChart.granted(owner, currency) : LedgerChart.paid(owner, currency))
                                      : "\(owner):\(currency.code):\(kind.rawValue):\(id)"
        let platform = AccountOwner(.platform, currency.code)
        let source = kind == .granted
            ? Account(id: LedgerChart.grants(currency), unit: currency.code, owner: platform, kind: .equity)
            : Account(id: LedgerChart.cash(currency), unit: currency.code, owner: platform, kind: .asset)
        try await chart.ensure([source, Account(id: LedgerChart.breakage(currency.code), unit: currency.code, owner: platform, kind: .revenue)])
        try await ledger.createAccounts([LedgerChart.fund(accountID, owner: owner, unit: currency.code, priority: priority, expiresAt: expiry)])
        try await ledger.submit(.single(id: id, debit: source.id, credit: accountID, amount: amount.nanos,
                                        code: kind == .granted ? .grant : .topUp, reference: note))
        return accountID
    }

    /// What `holder` of the organization can still spend, in its currency (token packages apart).
    public func balance(of organization: Organization, holder: Holder = .organization) async throws -> Money {
        let funds = try await ledger.accounts(owner: holder.owner(in: organization))
        let available = PrepaidFunds.drawingOrder(funds, unit: organization.currency.code, model: nil, at: ledger.now())
            .reduce(Int64(0)) { $0 + $1.available }
        return Money(nanos: available, currency: organization.currency)
    }

    /// Every fund of `holder`, with what is left in each, in drawing order.
    public func funds(of organization: Organization, holder: Holder = .organization) async throws -> [Account] {
        let accounts = try await ledger.accounts(owner: holder.owner(in: organization))
        return accounts.filter { $0.flags.contains(.debitsMustNotExceedCredits) }.sorted { a, b in
            if (a.model != nil) != (b.model != nil) { return a.model != nil }
            if a.priority != b.priority { return a.priority < b.priority }
            return a.id < b.id
        }
    }

    /// Sells (or gives, at price 0) `tokens` of `model` to `holder`: drawn before money for that
    /// model, until they run out or expire.
    public func grantPackage(to organization: Organization, holder: Holder = .organization, model: String, tokens: Int64,
                             price: Money? = nil, expiresAt: Date? = nil) async throws -> TokenPackage {
        guard tokens > 0 else { throw AccountStoreError(.invalid, "a package holds a positive number of tokens") }
        let price = price ?? .zero(organization.currency)
        guard price.currency == organization.currency, price.nanos >= 0 else {
            throw AccountStoreError(.invalid, "a package's price is in \(organization.currency) and not negative")
        }
        try await checkHolder(holder, of: organization)
        let owner = holder.owner(in: organization)
        let package = TokenPackage(id: "pkg_" + TimeOrderedID().description, organizationID: organization.id, owner: owner.description,
                                   model: model, tokens: tokens, price: price, expiresAt: expiresAt, createdAt: clock.date())
        let unit = LedgerChart.tokenUnit(model)
        let tokensOwner = AccountOwner(.platform, "tokens")
        let currency = organization.currency
        let platform = AccountOwner(.platform, currency.code)
        try await chart.ensure([
            Account(id: LedgerChart.tokensIssued(model), unit: unit, owner: tokensOwner, kind: .equity),
            Account(id: LedgerChart.breakage(unit), unit: unit, owner: tokensOwner, kind: .revenue),
            Account(id: LedgerChart.cash(currency), unit: currency.code, owner: platform, kind: .asset),
            Account(id: LedgerChart.packageSales(currency), unit: currency.code, owner: platform, kind: .revenue),
        ])
        try await ledger.createAccounts([LedgerChart.fund(package.accountID, owner: owner, unit: unit,
                                                          priority: PrepaidFunds.tokenPackagePriority,
                                                          expiresAt: expiresAt.map(Timestamp.milliseconds), model: model)])
        var transfers: [TransferRequest] = [.single(debit: LedgerChart.tokensIssued(model), credit: package.accountID, amount: tokens,
                                                    code: .purchase, reference: package.id)]
        if price.nanos > 0 {
            transfers.append(.single(debit: LedgerChart.cash(currency), credit: LedgerChart.packageSales(currency), amount: price.nanos,
                                     code: .purchase, reference: package.id))
        }
        try await database.write { sql in try await sql.raw("""
            INSERT INTO token_packages (id, org_id, owner, model, tokens, price_nanos, currency, expires_at, created_at)
            VALUES (\(bind: package.id), \(bind: organization.id), \(bind: package.owner), \(bind: model), \(bind: tokens),
                    \(bind: price.nanos), \(bind: currency.code), \(bind: expiresAt.map(Timestamp.milliseconds)),
                    \(bind: Timestamp.milliseconds(package.createdAt)))
            """).run() }
        try await ledger.submit(linked: transfers)
        return package
    }

    /// The organization's packages with what is left of each.
    public func packages(of organization: Organization) async throws -> [TokenPackage] {
        let rows = try await database.sql.raw("""
            SELECT * FROM token_packages WHERE org_id = \(bind: organization.id) ORDER BY created_at, id
            """).all()
        var packages = try rows.map { row in
            TokenPackage(id: try row.decode(column: "id", as: String.self), organizationID: organization.id,
                         owner: try row.decode(column: "owner", as: String.self), model: try row.decode(column: "model", as: String.self),
                         tokens: try row.decode(column: "tokens", as: Int64.self),
                         price: Money(nanos: try row.decode(column: "price_nanos", as: Int64.self), currency: organization.currency),
                         expiresAt: try row.decode(column: "expires_at", as: Int64?.self).map(Timestamp.date(milliseconds:)),
                         createdAt: Timestamp.date(milliseconds: try row.decode(column: "created_at", as: Int64.self)))
        }
        let accounts = Dictionary(uniqueKeysWithValues: try await ledger.accounts(ids: packages.map(\.accountID)).map { ($0.id, $0) })
        for index in packages.indices { packages[index].remaining = accounts[packages[index].accountID]?.available }
        return packages
    }

    private func checkHolder(_ holder: Holder, of organization: Organization) async throws {
        switch holder {
        case .organization: return
        case .team(let team): try await ensureTeam(team, of: organization)
        case .key(let id):
            guard try await keys(of: organization).contains(where: { $0.id == id }) else {
                throw AccountStoreError(.notFound, "\(organization.name) has no key \(id)")
            }
        }
    }
}

/// Tokens of one model, bought ahead: what a request on that model draws first.
public struct TokenPackage: Hashable, Sendable, Codable {
    public var id: String
    public var organizationID: String
    /// The ledger owner that holds it (`organization:…`, `team:…`, `key:…`).
    public var owner: String
    public var model: String
    public var tokens: Int64
    public var price: Money
    public var expiresAt: Date?
    public var createdAt: Date
    /// What is left, from the ledger.
    public var remaining: Int64?

    /// The ledger account holding its tokens.
    public var accountID: String { "\(owner):pkg:\(id)" }

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "org_id", owner, model, tokens, price, expiresAt = "expires_at", createdAt = "created_at", remaining
    }
}

extension AccountStore {
    /// Moves credit from before the ledger onto it, once. Tollgate kept prepaid credit as
    /// `credit_grants` less the cost of recorded requests before the ledger held it; each
    /// organization's net balance then becomes granted credit on the ledger, by a transfer whose
    /// id is derived from the organization, so running this again changes nothing.
    ///
    /// - Returns: how many organizations had credit moved.
    @discardableResult
    public func importCreditFromBeforeTheLedger() async throws -> Int {
        let rows = try await database.sql.raw("""
            SELECT o.id, o.currency,
                   (SELECT CAST(COALESCE(SUM(g.amount_nanos), 0) AS BIGINT) FROM credit_grants g
                    WHERE g.org_id = o.id AND g.currency = o.currency)
                 - (SELECT CAST(COALESCE(SUM(r.cost_nanos), 0) AS BIGINT) FROM request_records r
                    WHERE r.org_id = o.id AND r.currency = o.currency AND r.settlement IS NULL) AS net
            FROM organizations o WHERE EXISTS (SELECT 1 FROM credit_grants g WHERE g.org_id = o.id)
            """).all()
        var moved = 0
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let net = try row.decode(column: "net", as: Int64.self)
            guard net > 0, let currency = Currency(knownCode: try row.decode(column: "currency", as: String.self)) else { continue }
            let transferID = TimeOrderedID.derived(milliseconds: 0, seed: "credit-before-the-ledger:\(id)")
            if try await ledger.transfer(id: transferID) != nil { continue }
            let owner = LedgerChart.owner(organization: id)
            let platform = AccountOwner(.platform, currency.code)
            try await chart.ensure([Account(id: LedgerChart.grants(currency), unit: currency.code, owner: platform, kind: .equity)])
            try await ledger.createAccounts([LedgerChart.fund(LedgerChart.granted(owner, currency), owner: owner, unit: currency.code,
                                                              priority: PrepaidFunds.grantedCreditPriority)])
            try await ledger.submit(.single(id: transferID, debit: LedgerChart.grants(currency), credit: LedgerChart.granted(owner, currency),
                                            amount: net, code: .grant, reference: "credit from before the ledger"))
            moved += 1
        }
        return moved
    }
}
