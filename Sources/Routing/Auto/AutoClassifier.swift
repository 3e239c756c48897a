import Foundation

/// The `auto` policy's classifier: how much a request stands to gain from the premium model, from
/// features of the request alone (`PromptFeatures`). A linear model over standardized features
/// (`RouterTraining`); its parameters are data (`auto-router.json`, made by `tollgate route-train`),
/// with the distribution of its scores on the training data, which turns a `premium_share` into a
/// threshold.
public struct AutoClassifier: Sendable, Hashable, Codable {
    /// The feature names, in `PromptFeatures.names` order: a file made for other features is refused.
    public var features: [String]
    public var means: [Double]
    public var scales: [Double]
    public var weights: [Double]
    public var bias: Double
    /// The training scores' quantiles at 0%, 1%, …, 100%.
    public var quantiles: [Double]
    /// What it was trained on and how, for whoever reads the file.
    public var trainedOn: String
    public var recipe: String

    enum CodingKeys: String, CodingKey {
        case features, means, scales, weights, bias, quantiles
        case trainedOn = "trained_on"
        case recipe
    }

    public init(features: [String], means: [Double], scales: [Double], weights: [Double], bias: Double, quantiles: [Double],
                trainedOn: String, recipe: String) {
        self.features = features
        self.means = means
        self.scales = scales
        self.weights = weights
        self.bias = bias
        self.quantiles = quantiles
        self.trainedOn = trainedOn
        self.recipe = recipe
    }

    /// The classifier Tollgate ships, trained on the shared routing evaluation data.
    public static let shipped: AutoClassifier = {
        guard let url = Bundle.module.url(forResource: "auto-router", withExtension: "json"),
              let data = try? Data(contentsOf: url), let classifier = try? AutoClassifier(json: data) else {
            fatalError("Routing's auto-router.json resource is missing or unreadable")
        }
        return classifier
    }()

    /// Reads a classifier file; refuses one whose features are not this build's.
    public init(json data: Data) throws {
        self = try JSONDecoder().decode(AutoClassifier.self, from: data)
        guard features == PromptFeatures.names else {
            throw RoutingDatasetError("the classifier was trained on the features \(features), not this build's \(PromptFeatures.names)")
        }
        let count = features.count
        guard means.count == count, scales.count == count, weights.count == count, quantiles.count == 101,
              scales.allSatisfy({ $0 > 0 }) else {
            throw RoutingDatasetError("the classifier's parameters do not match its \(count) features")
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The premium model's expected gain in quality on this request over the cheap one's (on a
    /// 0–1 quality scale, so −1…1; in practice a narrow band around the training mean): the higher,
    /// the more the request needs the premium model.
    public func score(_ features: PromptFeatures) -> Double {
        var score = bias
        for index in weights.indices { score += weights[index] * (features.values[index] - means[index]) / scales[index] }
        return score
    }

    /// The score above which a request goes premium so that `share` of the training requests would.
    public func threshold(premiumShare share: Double) -> Double {
        let position = min(max(1 - share, 0), 1) * 100
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, 100)
        let fraction = position - Double(lower)
        return quantiles[lower] + (quantiles[upper] - quantiles[lower]) * fraction
    }
}
