import ArgumentParser
import Foundation
import Pricing
import TollgateCore

/// `tollgate prices …`: the price book from the command line.
struct PricesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices",
        abstract: "Show the price book, price a request, import LiteLLM's price file.",
        subcommands: [List.self, Show.self, Cost.self, Import.self]
    )

    /// Where the price book comes from.
    struct Source: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("A Tollgate catalog JSON file (e.g. from `prices import litellm`) laid over the built-in catalog.", valueName: "FILE"))
        var catalog: String?

        @OptionGroup var configOptions: ConfigOptions

        /// The built-in catalog, a `--catalog` laid over it, then the configuration's prices
        /// (`tollgate.yaml` when present, or `--config`), as the gateway would price.
        func priceBook() throws -> PriceBook {
            var book = try PriceBook.builtIn()
            if let catalog {
                book = book.overlaid(with: try PriceCatalog(json: try PricesCommand.read(catalog)).priceBook)
            }
            for (model, price) in try configOptions.load().configuredPrices {
                book = book.applying(price, to: model.priceName, provider: model.provider.name)
            }
            return book
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models and their prices per 1M tokens.")

        @OptionGroup var source: Source
        @Flag(help: "Print the catalog as JSON.") var json = false

        func run() async throws {
            try PricesCommand.reportingFailure {
                let book = try source.priceBook()
                if json {
                    try PricesCommand.printJSON(PriceCatalog(models: book.sortedModels).json())
                    return
                }
                var rows = [["MODEL", "PROVIDER", "CURRENCY", "INPUT", "CACHED", "OUTPUT", "CONTEXT", "CAPABILITIES"]]
                let now = Date()
                for model in book.sortedModels {
                    guard let price = model.price(at: now) ?? model.versions.last else { continue }
                    rows.append([model.id, model.provider, price.currency.code, price.rates.input.shortDecimal,
                                 price.rates.rate(for: .cachedInput).shortDecimal, price.rates.output.shortDecimal,
                                 model.contextWindow.map(String.init) ?? "-",
                                 model.capabilities.map(\.rawValue).sorted().joined(separator: ",")])
                }
                print(PricesCommand.table(rows))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one model's prices, versions and sources.")

        @OptionGroup var source: Source
        @Argument(help: "The model's id or alias.") var model: String
        @Flag(help: "Print the model as JSON.") var json = false

        func run() async throws {
            try PricesCommand.reportingFailure {
                guard let priced = try source.priceBook().model(named: model) else {
                    throw PricesCommand.Failure("unknown model '\(model)'")
                }
                if json {
                    try PricesCommand.printJSON(PriceCatalog(models: [priced]).json())
                } else {
                    print(ModelDescription(model: priced).text)
                }
            }
        }
    }

    struct Cost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price one request.",
            discussion: "The counts are disjoint: --input is uncached input, beside --cached-input (cache reads), --cache-write and --cache-write-1h; --reasoning is apart from --output."
        )

        @OptionGroup var source: Source
        @Option(help: "The model's id or alias.") var model: String
        @Option(help: "Uncached input tokens.") var input: Int
        @Option(help: "Visible output tokens.") var output: Int
        @Option(help: "Cache-read input tokens.") var cachedInput = 0
        @Option(help: "Cache-write tokens (default 5-minute lifetime).") var cacheWrite = 0
        @Option(name: .customLong("cache-write-1h"), help: "Cache-write tokens with a 1-hour lifetime.") var cacheWriteLongLived = 0
        @Option(help: "Reasoning tokens.") var reasoning = 0
        @Option(help: ArgumentHelp("When the request started (ISO 8601, UTC if no offset); default now.", valueName: "ISO8601"))
        var at: String?
        @Flag(help: "Priced as a batch request.") var batch = false
        @Option(help: "The provider's service tier, such as flex or priority.") var serviceTier: String?
        @Flag(help: "Print the cost and its breakdown as JSON.") var json = false

        func validate() throws {
            for (name, value) in [("--input", input), ("--output", output), ("--cached-input", cachedInput),
                                  ("--cache-write", cacheWrite), ("--cache-write-1h", cacheWriteLongLived),
                                  ("--reasoning", reasoning)] where value < 0 {
                throw ValidationError("\(name) must not be negative")
            }
            if let at, InstantText.parse(at) == nil {
                throw ValidationError("--at '\(at)' is not an ISO 8601 date or instant")
            }
        }

        func run() async throws {
            try PricesCommand.reportingFailure {
                let usage = BillableUsage(
                    tokens: TokenUsage(input: input, cachedInput: cachedInput, cacheWrite: cacheWrite + cacheWriteLongLived,
                                       output: output, reasoning: reasoning),
                    longLivedCacheWrite: cacheWriteLongLived)
                let date = at.flatMap(InstantText.parse) ?? Date()
                let cost = try source.priceBook().cost(of: usage, for: model, at: date,
                                                       options: CostOptions(batch: batch, serviceTier: serviceTier))
                if json {
                    try PricesCommand.printJSON(CostReport(cost).json())
                } else {
                    print(cost.total.description)
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import another price file into a Tollgate catalog.",
            subcommands: [LiteLLM.self]
        )

        struct LiteLLM: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "litellm",
                abstract: "Convert LiteLLM's model_prices_and_context_window.json into a Tollgate catalog (JSON on standard output)."
            )

            @Argument(help: "LiteLLM's price file.") var file: String
            @Option(name: .shortAndLong, help: ArgumentHelp("Write the catalog here instead of standard output.", valueName: "FILE"))
            var output: String?

            func run() async throws {
                try PricesCommand.reportingFailure {
                    let result = try LiteLLMImporter().importCatalog(json: PricesCommand.read(file))
                    let data = try result.catalog.json()
                    if let output {
                        do { try data.write(to: URL(fileURLWithPath: output)) } catch {
                            throw PricesCommand.Failure("cannot write \(output): \(error.localizedDescription)")
                        }
                    } else {
                        PricesCommand.printJSON(data)
                    }
                    let rounded = result.notes.values.reduce(0) { $0 + $1.count }
                    FileHandle.standardError.write(Data(("imported \(result.catalog.models.count) models, skipped "
                        + "\(result.skipped.count) entries, \(rounded) notes (figures rounded or approximated)\n").utf8))
                }
            }
        }
    }
}
