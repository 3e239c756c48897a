import ArgumentParser
import Foundation
import Gateway
import Pricing
import Routing
import Simulator
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
            var autoShare = 0.3
            if let route {
                guard let definition = configuration.routes.first(where: { $0.name == route }) else {
                    throw CommandFailure("no route named '\(route)' in the configuration")
                }
                let (cheap, premium, _) = try RouteModels.pair(route, in: configuration)
                workload.cheap = cheap.name
                workload.premium = premium.name
                if definition.policy == .auto {
                    autoShare = definition.premiumShare ?? definition.threshold.map { threshold in
                        let quantiles = definition.autoClassifier.quantiles
                        return Double(quantiles.filter { $0 >= threshold }.count) / Double(quantiles.count)
                    } ?? 0.3
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

    /// The price version and time-of-day window a cost was priced under.
    static func regime(_ cost: Cost) -> String {
        "\(cost.priceEffectiveFrom.timeIntervalSince1970)|\(cost.timeWindow ?? "")|\(cost.multiplier)"
    }

    /// A model by its configured name, else the catalog's id or alias.
    static func pricer(_ name: String, _ configuration: GatewayConfiguration) throws -> Pricer {
        let probe = TokenUsage(input: 1)
        if let model = configuration.model(named: name) {
            let currency = try configuration.cost(of: probe, for: model, at: Date()).currency
            let prices = configuration.prices
            return Pricer(name: name, currency: currency, cost: { usage, date in try configuration.cost(of: usage, for: model, at: date) },
                          regime: { date in regime(try prices.cost(of: probe, for: model.priceName, at: date)) })
        }
        let prices = configuration.prices
        do {
            let currency = try prices.cost(of: probe, for: name, at: Date()).total.currency
            return Pricer(name: name, currency: currency, cost: { usage, date in try prices.cost(of: usage, for: name, at: date).total },
                          regime: { date in regime(try prices.cost(of: probe, for: name, at: date)) })
        } catch {
            throw CommandFailure("'\(name)' is neither a configured model nor priced in the catalog: \(error)")
        }
    }
}
