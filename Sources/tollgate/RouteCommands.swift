import ArgumentParser
import Foundation
import Gateway
import Pricing
import Providers
import Routing
import Tokenizers
import TollgateCore

/// `tollgate route-eval --data DIR [--route NAME] [--holdout subjects]`: how well the `auto`
/// classifier routes recorded outcomes, beside the random, length-only and oracle routers.
struct RouteEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route-eval",
        abstract: "Score the auto router on recorded outcomes (mmlu/, gsm8k/, mt_bench/ in DIR).",
        discussion: """
            One row per data set and router: APGR (area under the quality-gap-recovered curve; random \
            is 0.5), CPT50 and CPT80 (the share of premium calls that recovers 50% / 80% of the gap) \
            and SAVING@95 (the share of the all-premium cost saved while keeping 95% of the premium \
            model's quality, at the route's two models' prices and each prompt's token counts). \
            With --holdout subjects the classifier is retrained for every fold with what it scores \
            left out: MMLU one subject at a time, the other data sets whole.
            """
    )

    @Option(help: "The directory holding mmlu/, gsm8k/ and/or mt_bench/ in the shared format.")
    var data: String

    @Option(help: "The route whose classifier, cheapest and dearest candidates are evaluated (default: the demo's pair, deepseek-chat and claude-sonnet-4-5, with the shipped classifier).")
    var route: String?

    @Option(help: "'subjects': retrain without each held-out fold (leave-subjects-out) instead of using the route's classifier.")
    var holdout: String?

    @Option(help: "table or json.")
    var format: String = "table"

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        if let holdout, holdout != "subjects" { throw ValidationError("--holdout takes only 'subjects'") }
        guard ["table", "json"].contains(format) else { throw ValidationError("--format is table or json") }
    }

    func run() async throws {
        try await reportingFailure { try await evaluate() }
    }

    private func evaluate() async throws {
        let datasets = try RoutingDataset.load(from: URL(fileURLWithPath: data))
        guard !datasets.isEmpty else { throw CommandFailure("no mmlu/, gsm8k/ or mt_bench/ data in \(data)") }
        var configuration = try configOptions.load()
        let (cheap, premium, classifier) = try RouteModels.pair(route, in: configuration)
        if configuration.quote(of: cheap, at: Date()) == nil { configuration.prices = try PriceBook.builtIn() }
        let pricing = try await RouteEvalPricing(cheap: cheap, premium: premium, configuration: configuration)
        var rows: [(dataset: String, router: String, result: RouterEvaluation)] = []
        let holdouts = holdout == nil ? nil : RouteHoldout(datasets)
        for (index, dataset) in datasets.enumerated() {
            let costs = try pricing.costs(of: dataset)
            var scores: [String: [Double]] = [:]
            let label = holdout == nil ? "auto" : "auto (held out)"
            scores[label] = holdout == nil
                ? dataset.items.map { classifier.score(PromptFeatures(prompt: $0.prompt)) }
                : holdouts!.scores(for: index)
            var random = SplitMix64(seed: 7)
            scores["random"] = dataset.items.map { _ in Double.random(in: 0..<1, using: &random) }
            scores["length"] = dataset.items.map { Double($0.prompt.unicodeScalars.count) }
            scores["oracle"] = dataset.items.map { $0.gain }
            for router in [label, "length", "random", "oracle"] {
                let outcomes = zip(dataset.items, zip(scores[router]!, costs)).map { item, scored in
                    RouterEvaluation.Outcome(score: scored.0, weakQuality: item.weakQuality, strongQuality: item.strongQuality,
                                             weakCost: scored.1.weak, strongCost: scored.1.strong)
                }
                rows.append((dataset.name, router, RouterEvaluation(outcomes)))
            }
        }
        if format == "json" {
            let objects = rows.map { row -> [String: Any] in
                ["dataset": row.dataset, "router": row.router, "apgr": row.result.apgr, "cpt50": row.result.cpt50,
                 "cpt80": row.result.cpt80, "saving95": row.result.saving95]
            }
            let data = try JSONSerialization.data(withJSONObject: ["cheap": cheap.name, "premium": premium.name, "rows": objects],
                                                  options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("# cheap \(cheap.name), premium \(premium.name); \(datasets.map { "\($0.name) \($0.items.count) prompts" }.joined(separator: ", "))")
        let header = ["DATASET", "ROUTER", "APGR", "CPT50", "CPT80", "SAVING@95"]
        let cells = rows.map { row in
            [row.dataset, row.router, String(format: "%.3f", row.result.apgr), String(format: "%.1f%%", row.result.cpt50 * 100),
             String(format: "%.1f%%", row.result.cpt80 * 100), String(format: "%.1f%%", row.result.saving95 * 100)]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max()! }
        for line in [header] + cells {
            print(line.indices.map { column in
                column < 2 ? line[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - line[column].count) + line[column]
            }.joined(separator: "  "))
        }
    }
}

/// `tollgate route-train --data DIR --out FILE`: fits the auto classifier on recorded outcomes.
struct RouteTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route-train",
        abstract: "Fit the auto router's classifier on recorded outcomes and write its parameters (JSON)."
    )

    @Option(help: "The directory holding mmlu/, gsm8k/ and/or mt_bench/ in the shared format.")
    var data: String

    @Option(help: "Where to write the classifier (e.g. Sources/Routing/Resources/auto-router.json).")
    var out: String

    func run() async throws {
        try await reportingFailure {
            let datasets = try RoutingDataset.load(from: URL(fileURLWithPath: data))
            guard !datasets.isEmpty else { throw CommandFailure("no mmlu/, gsm8k/ or mt_bench/ data in \(data)") }
            let described = datasets.map { "\($0.name) (\($0.items.count) prompts)" }.joined(separator: ", ")
            let classifier = RouterTraining().fit(RouterTraining.samples(datasets),
                                                    trainedOn: "RouteLLM's recorded outcomes of Mixtral-8x7B-Instruct and GPT-4-1106-preview: "
                                                        + described + ", contaminated prompts left out; made by scripts/train-router")
            try classifier.json().write(to: URL(fileURLWithPath: out))
            print("wrote \(out): \(PromptFeatures.names.count) features, trained on \(described)")
        }
    }
}

/// Leave-subjects-out scores: each prompt scored by a classifier trained without its fold — an
/// MMLU subject at a time (the other subjects and data sets trained on), any other data set whole.
struct RouteHoldout {
    let datasets: [RoutingDataset]
    /// Every item's sample, by data set, computed once for all the folds.
    let samples: [[RouterTraining.Sample]]

    init(_ datasets: [RoutingDataset]) {
        self.datasets = datasets
        samples = datasets.map { RouterTraining.samples([$0]) }
    }

    func scores(for index: Int) -> [Double] {
        let dataset = datasets[index]
        let folds = dataset.name == "mmlu" ? Array(Set(dataset.items.map(\.subject))).sorted() : [dataset.name]
        let fold: (RoutingDataset.Item) -> String = { dataset.name == "mmlu" ? $0.subject : dataset.name }
        var scores = [Double](repeating: 0, count: dataset.items.count)
        for held in folds {
            var training: [RouterTraining.Sample] = []
            for (owner, samples) in samples.enumerated() {
                training += owner != index ? samples : zip(dataset.items, samples).filter { fold($0.0) != held }.map(\.1)
            }
            let classifier = RouterTraining().fit(training, trainedOn: "all but \(held)")
            for (position, item) in dataset.items.enumerated() where fold(item) == held {
                scores[position] = classifier.score(samples[index][position].features)
            }
        }
        return scores
    }
}

/// The route's cheapest and dearest candidates and its classifier.
enum RouteModels {
    static func pair(_ route: String?, in configuration: GatewayConfiguration) throws -> (ModelDefinition, ModelDefinition, AutoClassifier) {
        guard let route else {
            let provider = Provider(name: "catalog", kind: .openai, baseURL: "http://localhost")
            return (ModelDefinition(name: "deepseek-chat", provider: provider, tokenizer: "deepseek_v3"),
                    ModelDefinition(name: "claude-sonnet-4-5", provider: provider, tokenizer: "claude_legacy"), .shipped)
        }
        guard let definition = configuration.routes.first(where: { $0.name == route }) else {
            throw CommandFailure("no route named '\(route)' in the configuration")
        }
        let now = Date()
        let priced = definition.candidates.compactMap { name in configuration.models.first { $0.name == name } }
            .compactMap { model in configuration.quote(of: model, at: now).map { (model, $0.blended) } }
            .sorted { $0.1 < $1.1 }
        guard let cheap = priced.first?.0, let premium = priced.last?.0, cheap.name != premium.name else {
            throw CommandFailure("the route '\(route)' needs two priced candidates of different prices")
        }
        return (cheap, premium, definition.classifier ?? .shipped)
    }
}

/// What each prompt costs on the two models: input counted with each model's tokenizer, output
/// from the recorded answers where the data has them (GSM8K, MT-Bench), else one token (an MMLU
/// answer is a letter).
struct RouteEvalPricing {
    let cheap: ModelDefinition
    let premium: ModelDefinition
    let configuration: GatewayConfiguration
    let cheapEncoding: Encoding
    let premiumEncoding: Encoding

    init(cheap: ModelDefinition, premium: ModelDefinition, configuration: GatewayConfiguration) async throws {
        self.cheap = cheap
        self.premium = premium
        self.configuration = configuration
        var overrides = configuration.tokenizerOverrides
        for model in [cheap, premium] { overrides[model.name] = model.tokenizer.flatMap(EncodingName.init(rawValue:)) ?? overrides[model.name] }
        let store = EncodingStore(registry: EncodingRegistry(overrides: overrides))
        cheapEncoding = try await store.encoding(forModel: cheap.name)
        premiumEncoding = try await store.encoding(forModel: premium.name)
    }

    func costs(of dataset: RoutingDataset) throws -> [(weak: Double, strong: Double)] {
        let now = Date()
        return try dataset.items.map { item in
            let prompt = ([item.prompt] + item.laterTurns).joined(separator: "\n")
            let weak = TokenUsage(input: cheapEncoding.count(prompt), output: item.weakAnswer.map { cheapEncoding.count($0) } ?? 1)
            let strong = TokenUsage(input: premiumEncoding.count(prompt), output: item.strongAnswer.map { premiumEncoding.count($0) } ?? 1)
            return (Double(try configuration.cost(of: weak, for: cheap, at: now).nanos),
                    Double(try configuration.cost(of: strong, for: premium, at: now).nanos))
        }
    }
}
