import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How long an organization's money lasts: each scope's burn rate (the organization, its teams,
/// its keys) with the balance it draws on and its budgets' remainders, each with its runway in
/// days at the trailing day's rate. What `GET /admin/orgs/{org}/runway` and the dashboard show.
public struct Runway: Sendable {
    public struct Limit: Sendable {
        public var budget: Budget
        /// Spent in the budget's current period, and what is left of it (below zero when overrun).
        public var spent: Int64
        public var remaining: Int64
        public var runwayDays: Double?
    }

    public struct Scope: Sendable {
        public var burn: BurnRate.Line
        /// The scope's shown name: the organization's name, a team's name, a key's id.
        public var name: String
        /// What the scope's own funds hold now (the organization's own funds for the organization).
        public var available: Int64
        /// Days `available` lasts at the scope's rate; `nil` when it spends nothing or has no
        /// funds of its own (a team or key with none draws on its team's or organization's, which
        /// others spend too).
        public var runwayDays: Double?

        /// The organization, or a team or key with credit of its own.
        public var ownsFunds: Bool { burn.scope == .organization || available > 0 }
        public var limits: [Limit]
    }

    public var organization: Organization
    public var at: Date
    /// The organization's scope first, then its teams' and keys', dearest first.
    public var scopes: [Scope]
}

extension Gateway {
    /// The organization's burn rates and runways now.
    public func runway(of organization: Organization) async throws -> Runway {
        let now = clock.date()
        let burn = try await BurnRate.of(organizationID: organization.id, at: now, database: database)
        let budgets = try await budgets.budgets(of: organization.id)
        var scopes: [Runway.Scope] = []
        for line in burn.lines {
            let holder: AccountStore.Holder = switch line.scope {
            case .organization: .organization
            case .team: .team(line.subject)
            case .key: .key(line.subject)
            }
            let available = try await accounts.balance(of: organization, holder: holder).nanos
            var limits: [Runway.Limit] = []
            for budget in budgets where budget.scope.rawValue == line.scope.rawValue
                && (line.scope == .organization || budget.subject == line.subject) {
                let spent = try await budgetSpent(budget, at: now).nanos
                let remaining = budget.amount.nanos - spent
                limits.append(Runway.Limit(budget: budget, spent: spent, remaining: remaining, runwayDays: line.runwayDays(remaining)))
            }
            let owns = line.scope == .organization || available > 0
            scopes.append(Runway.Scope(burn: line, name: line.scope == .organization ? organization.name : line.subject,
                                       available: available, runwayDays: owns ? line.runwayDays(available) : nil, limits: limits))
        }
        return Runway(organization: organization, at: now, scopes: scopes)
    }
}
