import ArgumentParser
import Foundation
import Gateway
import TollgateCore

struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "orgs", abstract: "Organizations.",
                                                    subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The organization's name.") var name: String
        @Option(help: "The currency it is billed in (USD, CNY, EUR, JPY).") var currency: String = "USD"
        @Option(help: "What it pays over the provider's price, in percent (default 0: cost).") var markup: String = "0"
        @Option(help: "A price list from the configuration's price_lists that sets its prices.") var priceList: String?
        @Option(help: "Comma-separated provider regions its keys may reach, e.g. eu,us (default: any).") var regions: String?

        func validate() throws {
            guard Currency(knownCode: currency) != nil else { throw ValidationError("--currency: unknown currency '\(currency)'") }
            guard AdminInput.basisPoints(markup) != nil else { throw ValidationError("--markup: '\(markup)' is not a percentage such as 20 or 12.5") }
        }

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    let organization = try await AccountStore(database: database)
                        .createOrganization(name: name, currency: Currency(knownCode: currency)!,
                                            markupBasisPoints: AdminInput.basisPoints(markup)!, priceList: priceList,
                                            allowedRegions: try AdminInput.regions(regions))
                    print("\(organization.name)\t\(organization.id)\t\(organization.currency)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations with their balances.")
        @OptionGroup var databaseOptions: DatabaseOptions

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    let accounts = AccountStore(database: database)
                    for organization in try await accounts.organizations() {
                        print("\(organization.name)\t\(organization.id)\t\(try await accounts.balance(of: organization))")
                }
                }
            }
        }
    }
}

struct CreditsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "credits", abstract: "Prepaid credit.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add prepaid credit to an organization, or to one of its teams or keys (which then pay first).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Option(help: "The amount in the organization's currency, e.g. 100 or 12.50.") var amount: String
        @Option(help: "granted (drawn first) or paid.") var kind: String = "granted"
        @Option(help: "Give it to this team instead of the organization.") var team: String?
        @Option(help: "Give it to this key (key_…) instead of the organization.") var key: String?
        @Option(help: "When what is left of it expires: a date (2026-12-31) or an ISO 8601 instant.") var expires: String?

        func validate() throws {
            guard AccountStore.CreditKind(rawValue: kind) != nil else { throw ValidationError("--kind: granted or paid") }
            if let expires, AdminInput.instant(expires) == nil { throw ValidationError("--expires: '\(expires)' is not a date") }
            if team != nil, key != nil { throw ValidationError("--team and --key: give one, not both") }
        }

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let holder = try AdminInput.holder(team: team, key: key)
                    try await accounts.addCredit(try Money(decimal: amount, currency: organization.currency), to: organization,
                                                 holder: holder, kind: AccountStore.CreditKind(rawValue: kind)!,
                                                 expiresAt: expires.flatMap(AdminInput.instant))
                    print("\(organization.name) balance: \(try await accounts.balance(of: organization, holder: holder))")
                }
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Virtual keys.",
                                                    subcommands: [Create.self, List.self, Revoke.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once and only its hash is stored.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String
        @Option(help: "A team within the organization.") var team: String?
        @Option(help: "A name for people.") var name: String?
        @Option(help: "Comma-separated models the key may use (default: all).") var models: String?
        @Option(help: "Requests per minute the key may make.") var rpm: Int64?
        @Option(help: "Tokens per minute the key may use.") var tpm: Int64?
        @Option(help: "Requests of the key in flight at once, per gateway process (default: no limit).") var maxConcurrent: Int64?
        @Option(help: "Answer the key's deterministic requests from the response cache for this many seconds.") var cacheTTL: Int64?
        @Option(help: "Comma-separated provider regions the key may reach, e.g. eu,us (default: any).") var regions: String?
        @Option(help: "A hard budget for the key, in the organization's currency, per --period.") var budget: String?
        @Option(help: "The budget's period: day, week, month or total.") var period: String = "month"

        func validate() throws {
            guard Budget.Period(rawValue: period) != nil else { throw ValidationError("--period: day, week, month or total") }
            if let maxConcurrent, !(1...1_000_000).contains(maxConcurrent) { throw ValidationError("--max-concurrent: 1 to 1000000") }
        }

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    let allowed = models.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                    // Checked before the key exists, so a bad budget leaves no key behind.
                    let limit = try budget.map { amount in
                        try AdminInput.budget(organization: organization, scope: "key", subject: "pending", amount: amount, period: period,
                                              hard: true, thresholds: nil, webhookURL: nil, createdAt: Date())
                    }
                    let (key, secret) = try await accounts.createKey(for: organization, name: name, team: team, allowedModels: allowed,
                                                                     requestsPerMinute: rpm, tokensPerMinute: tpm,
                                                                     allowedRegions: try AdminInput.regions(regions), cacheTTLSeconds: cacheTTL,
                                                                     maxConcurrent: maxConcurrent)
                    if var limit {
                        limit.subject = key.id
                        try await BudgetStore(database: accounts.database).create(limit)
                    }
                    print(secret)
                    FileHandle.standardError.write(Data("key \(key.id) for \(organization.name): store it now, it is not shown again\n".utf8))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's keys (hints, never secrets).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The organization's name or id.") var org: String

        func run() async throws {
            try await reportingFailure {
                try await withOrganization(databaseOptions, org) { accounts, organization in
                    for key in try await accounts.keys(of: organization) {
                        print("\(key.id)\t\(key.hint)\t\(key.name ?? "-")\t\(key.team ?? "-")\t\(key.isRevoked ? "revoked" : "live")")
                }
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    guard try await AccountStore(database: database).revokeKey(id: id) else { throw CommandFailure("no live key '\(id)'") }
                    print("revoked \(id)")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a key a new secret, printed once; the old one keeps working for the grace period, then stops.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The key's id (key_…).") var id: String
        @Option(help: "How long the old secret keeps working, in seconds (0 to 2592000; default one day).") var graceSeconds: Int = 86_400

        func validate() throws {
            guard (0...(30 * 86_400)).contains(graceSeconds) else { throw ValidationError("--grace-seconds: 0 to 2592000 (30 days)") }
        }

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    guard let rotated = try await AccountStore(database: database).rotateKey(id: id, grace: .seconds(graceSeconds)) else {
                        throw CommandFailure("no live key '\(id)'")
                    }
                    print(rotated.secret)
                    FileHandle.standardError.write(Data("the old secret of \(id) works until \(rotated.previousValidUntil.formatted(.iso8601))\n".utf8))
                }
            }
        }
    }
}
