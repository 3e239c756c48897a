import ArgumentParser
import Foundation
import Gateway
import TollgateCore

private func describe(_ budget: Budget) -> String {
    "\(budget.id)\t\(budget.scope.rawValue) \(budget.subject)\t\(budget.amount) per \(budget.period.rawValue)\t\(budget.hard ? "hard" : "soft")"
}

private func describe(_ team: Team) -> String {
    "\(team.name)\trpm \(team.requestsPerMinute.map(String.init) ?? "-")\ttpm \(team.tokensPerMinute.map(String.init) ?? "-")"
}

struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "teams", abstract: "Teams of keys and their rate limits.",
                                                    subcommands: [SetLimits.self, List.self])

    struct SetLimits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create a team or change its rate limits.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Option(help: "The team's name.") var name: String
        @Option(help: "Requests per minute across the team's keys (omit for none).") var rpm: Int64?
        @Option(help: "Tokens per minute across the team's keys (omit for none).") var tpm: Int64?

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let team = try await accounts.setTeam(name, of: organization, requestsPerMinute: rpm, tokensPerMinute: tpm)
                    print(describe(team))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's teams.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    for team in try await accounts.teams(of: organization) {
                        print(describe(team))
                    }
                }
            }
        }
    }
}

struct BudgetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "budgets", abstract: "Spending limits per period.",
                                                    subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a budget: hard ones refuse (402) what they cannot cover, soft ones only alert.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Option(help: "organization, team, key or session.") var scope: String = "organization"
        @Option(help: "The team's name, the key's id, or for session budgets a key id or * (every session).") var subject: String?
        @Option(help: "The amount per period in the organization's currency.") var amount: String
        @Option(help: "day, week, month or total.") var period: String = "month"
        @Flag(help: "Alert but never refuse.") var soft = false
        @Option(help: "Alert thresholds in percent, comma-separated.") var thresholds: String = "50,80,100"
        @Option(help: "Where alerts are posted.") var webhook: String?

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let budget = try AdminInput.budget(organization: organization, scope: scope, subject: subject, amount: amount,
                                                       period: period, hard: !soft, thresholds: thresholds, webhookURL: webhook, createdAt: Date())
                    try await BudgetStore(database: accounts.database).create(budget)
                    print(describe(budget))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's budgets.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    for budget in try await BudgetStore(database: accounts.database).budgets(of: organization.id) {
                        print(describe(budget))
                    }
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a budget by id.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The budget's id (bud_…).") var id: String

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    guard try await BudgetStore(database: database).delete(id: id) else { throw CommandFailure("no budget '\(id)'") }
                    print("deleted \(id)")
                }
            }
        }
    }
}

struct PackagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "packages", abstract: "Prepaid token packages.",
                                                    subcommands: [Grant.self, List.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sell or give tokens of one model; they are drawn before money.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Option(help: "The model the tokens are for.") var model: String
        @Option(help: "How many tokens, e.g. 1000000 or 10M.") var tokens: String
        @Option(help: "What was paid for it, in the organization's currency.") var price: String?
        @Option(help: "Give it to this team.") var team: String?
        @Option(help: "Give it to this key (key_…).") var key: String?
        @Option(help: "When it expires: a date (2026-12-31) or an ISO 8601 instant.") var expires: String?

        func validate() throws {
            guard AdminInput.tokens(tokens) != nil else { throw ValidationError("--tokens: '\(tokens)' is not a positive count such as 10M") }
            if let expires, AdminInput.instant(expires) == nil { throw ValidationError("--expires: '\(expires)' is not a date") }
        }

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let package = try await accounts.grantPackage(
                        to: organization, holder: try AdminInput.holder(team: team, key: key), model: model, tokens: AdminInput.tokens(tokens)!,
                        price: try price.map { try Money(decimal: $0, currency: organization.currency) },
                        expiresAt: expires.flatMap(AdminInput.instant))
                    print("\(package.id)\t\(package.model)\t\(package.tokens) tokens\t\(package.owner)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's packages and what is left of each.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    for package in try await accounts.packages(of: organization) {
                        print("\(package.id)\t\(package.model)\t\(package.remaining ?? 0)/\(package.tokens) tokens left\t\(package.owner)")
                    }
                }
            }
        }
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "Agent sessions (x-tollgate-session).",
                                                    subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A session's totals: requests, tokens and cost.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Argument(help: "The session id.") var session: String

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let totals = try await RequestRecordStore(database: accounts.database)
                        .sessionTotals(organizationID: organization.id, sessionID: session)
                    let usage = totals.usage
                    print("session \(session): \(totals.requests) requests, \(usage.total) tokens (input \(usage.input), cached \(usage.cachedInput), "
                          + "cache write \(usage.cacheWrite), output \(usage.output), reasoning \(usage.reasoning)), "
                          + "\(Money(nanos: totals.costNanos, currency: organization.currency))")
                }
            }
        }
    }
}
