import ArgumentParser
import Foundation
import Gateway
import Pricing
import Routing
import Simulator
import Tokenizers
import TollgateCore

/// `tollgate simulate WORKLOAD [--route NAME] [--samples N] [--format table|json|html] [--out FILE]`.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Forecast what an agent workload (a YAML file) will cost, and compare the choices.",
        discussion: """
            Costs the workload's cheap and premium models (configured, or the catalog's) per task, per day \
            and for the period: the exact expectation when every size is fixed, the p50/p90/p99 per task by \
            Monte Carlo with the workload's seed; compares all cheap, all premium, the workload's share and \
            the auto router's; says which parameter moves the bill most. See docs/forecasting.md.
            """
    )

    @Argument(help: "The workload file (YAML).")
    var workload: String

    @Option(help: "A configured route: its cheapest and dearest candidates become cheap and premium, an auto route's share the auto row's.")
    var route: String?

    @Option(help: "Tasks sampled for the distribution (default 10000).")
    var samples: Int = 10_000

    @Option(help: "table, json or html.")
    var format: String = "table"

    @Option(help: "Write the report here instead of standard output.")
    var out: String?

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard ["table", "json", "html"].contains(format) else { throw ValidationError("--format is table, json or html") }
        guard (1...10_000_000).contains(samples) else { throw ValidationError("--samples is 1 to 10000000") }
    }

    func run() async throws {
        try await reportingFailure {
            var workload = try WorkloadLoader().load(file: self.workload)
            var configuration = try configOptions.load()
            if configuration.prices.models.isEmpty { configuration.prices = try PriceBook.builtIn() }
            var autoShare = RouteDefinition.defaultPremiumShare
            if let route {
                guard let definition = configuration.routes.first(where: { $0.name == route }) else {
                    throw CommandFailure("no route named '\(route)' in the configuration")
                }
                let (cheap, premium, _) = try RouteModels.pair(route, in: configuration)
                workload.cheap = cheap.name
                workload.premium = premium.name
                if definition.policy == .auto {
                    autoShare = definition.autoPremiumShare
                }
            }
            let forecaster = try Forecaster(workload: workload, cheap: try Self.pricer(workload.cheap, configuration),
                                            premium: try Self.pricer(workload.premium, configuration))
            let showProgress = format == "table" && out == nil && samples >= 50_000 && isatty(STDERR_FILENO) == 1
            let report = try ForecastReport.make(forecaster, samples: samples, autoShare: autoShare, progress: showProgress ? { done in
                let width = 30, filled = done * width / max(samples, 1)
                FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(samples)".utf8))
            } : nil)
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let text = switch format {
            case "json": ForecastOutput.json(report)
            case "html": ForecastOutput.html(report)
            default: ForecastOutput.table(report)
            }
            if let out {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } else {
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    /// A model by its configured name, else the catalog's id or alias.
    static func pricer(_ name: String, _ configuration: GatewayConfiguration) throws -> Pricer {
        do {
            return try Pricer(name: name, priceName: configuration.model(named: name)?.priceName, book: configuration.prices)
        } catch {
            throw CommandFailure("'\(name)' is neither a configured model nor priced in the catalog: \(error)")
        }
    }
}

/// `tollgate replay --org ORG --from DATE --to DATE (--model M | --route R | --price-list L)`.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-price a period's request records under another model, route or price list, beside what was charged.",
        discussion: """
            Each record's tokens at the sell price the organization pays, at the moment it was made. Counts are \
            scaled when the target's tokenizer differs from the recorded model's (records keep counts, not text: \
            the scale is how the two count a fixed reference text). An auto route is its cheapest and dearest \
            candidates at its premium share; another route its first choice. See docs/forecasting.md.
            """
    )

    @OptionGroup var databaseOptions: DatabaseOptions
    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "The organization, by id or name.") var org: String
    @Option(help: "Start, inclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var from: String
    @Option(help: "End, exclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var to: String
    @Option(help: "Every request on this model.") var model: String?
    @Option(help: "Every request through this configured route.") var route: String?
    @Option(name: .customLong("price-list"), help: "The recorded models at this configured price list.") var priceList: String?
    @Option(help: "table or json.") var format: String = "table"

    func validate() throws {
        guard [model, route, priceList].compactMap({ $0 }).count == 1 else { throw ValidationError("give one of --model, --route and --price-list") }
        guard StatementPeriod.instant(from) != nil, StatementPeriod.instant(to) != nil else {
            throw ValidationError("--from and --to: YYYY-MM-DD or an ISO 8601 instant")
        }
        guard ["table", "json"].contains(format) else { throw ValidationError("--format is table or json") }
    }

    func run() async throws {
        try await reportingFailure {
            var configuration = try configOptions.load()
            if configuration.prices.models.isEmpty { configuration.prices = try PriceBook.builtIn() }
            let target: Replay.Target = if let model { .model(model) } else if let route { .route(route) } else { .priceList(priceList!) }
            let replay = try await databaseOptions.withDatabase { database in
                guard let organization = try await AccountStore(database: database).organization(named: org) else {
                    throw CommandFailure("no organization '\(org)'")
                }
                let records = try await RequestRecordStore(database: database).records(
                    organizationID: organization.id, from: Date(timeIntervalSince1970: Double(StatementPeriod.instant(from)!) / 1000),
                    to: Date(timeIntervalSince1970: Double(StatementPeriod.instant(to)!) / 1000))
                return try await Replay.run(records: records, target: target, configuration: configuration, organization: organization,
                                            encodings: EncodingStore(registry: EncodingRegistry(overrides: configuration.tokenizerOverrides)))
            }
            print(format == "json" ? Self.json(replay) : Self.table(replay), terminator: "")
        }
    }

    static func table(_ replay: Replay) -> String {
        let change: (Money, Money) -> String = { recorded, replayed in
            recorded.nanos == 0 ? "—" : String(format: "%+.1f%%", (Double(replayed.nanos) / Double(recorded.nanos) - 1) * 100)
        }
        var rows = [["RECORDED MODEL", "REQUESTS", "TOKENS", "RECORDED", "REPLAYED", "CHANGE"]]
        for row in replay.rows {
            rows.append([row.model, String(row.requests), String(row.tokens), row.recorded.description, row.replayed.description,
                         change(row.recorded, row.replayed)])
        }
        rows.append(["total", String(replay.rows.reduce(0) { $0 + $1.requests }), String(replay.rows.reduce(0) { $0 + $1.tokens }),
                     replay.recorded.description, replay.replayed.description, change(replay.recorded, replay.replayed)])
        var lines = ["# replayed on \(replay.target.description)"]
        lines += ForecastOutput.aligned(rows)
        if replay.skipped > 0 { lines.append("(\(replay.skipped) records without usage or charge left out)") }
        for (pair, ratio) in replay.ratios.sorted(by: { $0.key < $1.key }) {
            lines.append("(tokens scaled \(pair): ×\(String(format: "%.3f", ratio)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ replay: Replay) -> String {
        let value: JSONValue = [
            "target": .string(replay.target.description), "currency": .string(replay.currency.code),
            "recorded": .string(replay.recorded.decimalString), "replayed": .string(replay.replayed.decimalString),
            "skipped": .int(Int64(replay.skipped)),
            "rows": .array(replay.rows.map { row in
                ["model": .string(row.model), "requests": .int(Int64(row.requests)), "tokens": .int(Int64(row.tokens)),
                 "recorded": .string(row.recorded.decimalString), "replayed": .string(row.replayed.decimalString)]
            }),
            "token_scale": .object(JSONObject(uniqueKeysWithValues: replay.ratios.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) })),
        ]
        return value.jsonText + "\n"
    }
}
