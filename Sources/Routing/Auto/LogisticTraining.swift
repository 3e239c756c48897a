import Foundation

/// Fits the `auto` classifier: L2-regularised logistic regression on standardized features, by
/// Newton's method (deterministic: the same data gives the same parameters, bit for bit).
///
/// Labels may be fractional: a prompt whose strong answer gained `g` (−1…1) over the weak one is
/// labelled `(g + 1) / 2`, so the fitted score ranks prompts by the expected gain of going premium.
public struct LogisticTraining: Sendable {
    public struct Sample: Sendable {
        public var features: PromptFeatures
        public var label: Double
        public var weight: Double

        public init(features: PromptFeatures, label: Double, weight: Double = 1) {
            self.features = features
            self.label = label
            self.weight = weight
        }
    }

    /// The L2 penalty on the weights (not the bias), per unit of total sample weight.
    public var penalty: Double
    public var iterations: Int

    public init(penalty: Double = 0.01, iterations: Int = 25) {
        self.penalty = penalty
        self.iterations = iterations
    }

    public func fit(_ samples: [Sample], trainedOn: String) -> AutoClassifier {
        let count = PromptFeatures.names.count
        let total = samples.reduce(0) { $0 + $1.weight }
        var means = [Double](repeating: 0, count: count)
        var scales = [Double](repeating: 0, count: count)
        for sample in samples {
            for index in 0..<count { means[index] += sample.weight * sample.features.values[index] / total }
        }
        for sample in samples {
            for index in 0..<count {
                let delta = sample.features.values[index] - means[index]
                scales[index] += sample.weight * delta * delta / total
            }
        }
        scales = scales.map { $0 > 1e-12 ? $0.squareRoot() : 1 }
        // Standardized design with a leading 1 for the bias.
        let rows = samples.map { sample in [1] + (0..<count).map { (sample.features.values[$0] - means[$0]) / scales[$0] } }
        var beta = [Double](repeating: 0, count: count + 1)
        let lambda = penalty * total
        for _ in 0..<iterations {
            var gradient = [Double](repeating: 0, count: count + 1)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: count + 1), count: count + 1)
            for (row, sample) in zip(rows, samples) {
                var z = 0.0
                for index in row.indices { z += beta[index] * row[index] }
                let p = 1 / (1 + exp(-z))
                let residual = sample.weight * (sample.label - p)
                let curvature = sample.weight * max(p * (1 - p), 1e-9)
                for i in row.indices {
                    gradient[i] += residual * row[i]
                    for j in i..<row.count { hessian[i][j] += curvature * row[i] * row[j] }
                }
            }
            for i in 1...count {
                gradient[i] -= lambda * beta[i]
                hessian[i][i] += lambda
            }
            for i in 0...count { for j in 0..<i { hessian[i][j] = hessian[j][i] } }
            guard let step = Self.solve(hessian, gradient) else { break }
            var largest = 0.0
            for index in beta.indices {
                beta[index] += step[index]
                largest = max(largest, abs(step[index]))
            }
            if largest < 1e-10 { break }
        }
        var classifier = AutoClassifier(features: PromptFeatures.names, means: means, scales: scales, weights: Array(beta.dropFirst()),
                                        bias: beta[0], quantiles: [], trainedOn: trainedOn,
                                        recipe: "L2 logistic regression (penalty \(penalty) per unit weight, Newton's method) on standardized "
                                            + "features; label (gain + 1) / 2 where gain is the strong model's quality minus the weak one's")
        let scores = samples.map { classifier.score($0.features) }.sorted()
        classifier.quantiles = (0...100).map { percent in
            guard !scores.isEmpty else { return 0.5 }
            let position = Double(percent) / 100 * Double(scores.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, scores.count - 1)
            return scores[lower] + (scores[upper] - scores[lower]) * (position - Double(lower))
        }
        return classifier
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

extension LogisticTraining {
    /// The training samples of `datasets`, each item weighted so that every data set weighs in
    /// proportion to the square root of its size (MMLU's 14,000 prompts do not drown MT-Bench's 80,
    /// nor do 80 prompts weigh as much as 14,000), labelled by the strong model's gain.
    public static func samples(_ datasets: [RoutingDataset], where include: (RoutingDataset, RoutingDataset.Item) -> Bool = { _, _ in true })
        -> [Sample] {
        var samples: [Sample] = []
        for dataset in datasets {
            let items = dataset.items.filter { include(dataset, $0) }
            guard !items.isEmpty else { continue }
            let weight = 1 / Double(items.count).squareRoot()
            for item in items {
                samples.append(Sample(features: PromptFeatures(prompt: item.prompt), label: (item.gain + 1) / 2, weight: weight))
            }
        }
        return samples
    }
}
