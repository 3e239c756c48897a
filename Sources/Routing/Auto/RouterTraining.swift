import Foundation

/// Fits the `auto` classifier: ridge regression of the strong model's gain over the weak one
/// (−1…1) on standardized features, solved in closed form — deterministic, the same data gives the
/// same parameters bit for bit.
///
/// Each data set gets an intercept of its own while fitting (fixed effects, dropped when scoring):
/// data sets differ in how often the strong model wins at all, and without them that difference
/// leaks into the feature weights, which must rank prompts *within* a workload. A regression on the
/// signed gain, not a classification of "the strong model won", keeps the prompts where the weak
/// model was right and the strong one wrong, which MMLU has many of.
public struct RouterTraining: Sendable {
    public struct Sample: Sendable {
        public var features: PromptFeatures
        /// The strong model's quality minus the weak one's, −1…1.
        public var gain: Double
        /// The data set it comes from.
        public var group: String

        public init(features: PromptFeatures, gain: Double, group: String) {
            self.features = features
            self.gain = gain
            self.group = group
        }
    }

    /// The ridge penalty on each feature weight (none on the intercepts).
    public var penalty: Double

    public init(penalty: Double = 1) {
        self.penalty = penalty
    }

    public static let recipe = "ridge regression (penalty 1 per standardized feature weight, closed form) of the strong model's "
        + "gain over the weak one (-1..1; MT-Bench judge scores scaled by 1/9), an intercept per data set while fitting, "
        + "dropped when scoring"

    public func fit(_ samples: [Sample], trainedOn: String) -> AutoClassifier {
        let count = PromptFeatures.names.count
        let n = Double(samples.count)
        var means = [Double](repeating: 0, count: count)
        var scales = [Double](repeating: 0, count: count)
        for sample in samples { for index in 0..<count { means[index] += sample.features.values[index] / n } }
        for sample in samples {
            for index in 0..<count {
                let delta = sample.features.values[index] - means[index]
                scales[index] += delta * delta / n
            }
        }
        scales = scales.map { $0 > 0 ? $0.squareRoot() : 1 }
        // The design: 1, the standardized features, then one indicator per data set after the first.
        let groups = Array(Set(samples.map(\.group))).sorted()
        let width = 1 + count + max(groups.count - 1, 0)
        var normal = [[Double]](repeating: [Double](repeating: 0, count: width), count: width)
        var right = [Double](repeating: 0, count: width)
        var row = [Double](repeating: 0, count: width)
        for sample in samples {
            row[0] = 1
            for index in 0..<count { row[1 + index] = (sample.features.values[index] - means[index]) / scales[index] }
            for (index, group) in groups.dropFirst().enumerated() { row[1 + count + index] = sample.group == group ? 1 : 0 }
            for i in 0..<width {
                right[i] += row[i] * sample.gain
                for j in i..<width { normal[i][j] += row[i] * row[j] }
            }
        }
        for i in 0..<width { for j in 0..<i { normal[i][j] = normal[j][i] } }
        for index in 1...count { normal[index][index] += penalty }
        for index in (1 + count)..<width { normal[index][index] += 1e-6 }
        let beta = Self.solve(normal, right) ?? [Double](repeating: 0, count: width)
        var classifier = AutoClassifier(features: PromptFeatures.names, means: means, scales: scales, weights: Array(beta[1...count]),
                                        bias: beta[0], quantiles: [], trainedOn: trainedOn, recipe: Self.recipe)
        let scores = samples.map { classifier.score($0.features) }.sorted()
        classifier.quantiles = (0...100).map { percent in
            guard !scores.isEmpty else { return 0 }
            let position = Double(percent) / 100 * Double(scores.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, scores.count - 1)
            return scores[lower] + (scores[upper] - scores[lower]) * (position - Double(lower))
        }
        return classifier
    }

    /// The samples of `datasets` (those `include` keeps), each labelled by the strong model's gain.
    public static func samples(_ datasets: [RoutingDataset], where include: (RoutingDataset, RoutingDataset.Item) -> Bool = { _, _ in true })
        -> [Sample] {
        datasets.flatMap { dataset in
            dataset.items.filter { include(dataset, $0) }.map { item in
                Sample(features: PromptFeatures(prompt: item.prompt), gain: item.gain, group: dataset.name)
            }
        }
    }

    /// Solves `a x = b` for a symmetric positive definite `a` (Cholesky); `nil` when it is not.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i][i] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i][k] * y[k] }
            y[i] = sum / l[i][i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k][i] * x[k] }
            x[i] = sum / l[i][i]
        }
        return x
    }
}
