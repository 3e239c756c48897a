/// How well a router's scores route a data set between a weak and a strong model (RouteLLM's
/// protocol): send the k highest-scored prompts to the strong model, for every k, and trace the
/// quality reached against the share of strong calls and against the money spent.
public struct RouterEvaluation: Sendable, Hashable {
    /// The area under the curve of PGR (the share of the weak-to-strong quality gap recovered)
    /// against the share of strong calls, 0…1 on x; random routing scores 0.5.
    public var apgr: Double
    /// The least share of strong calls that recovers 50% / 80% of the gap; 1 when never.
    public var cpt50: Double
    public var cpt80: Double
    /// The share of the all-strong cost saved while keeping 95% of the strong model's quality.
    public var saving95: Double

    /// One prompt as the evaluation sees it.
    public struct Outcome: Sendable, Hashable {
        public var score: Double
        public var weakQuality: Double
        public var strongQuality: Double
        /// What the prompt costs on each model (any unit, the same for both).
        public var weakCost: Double
        public var strongCost: Double

        public init(score: Double, weakQuality: Double, strongQuality: Double, weakCost: Double = 0, strongCost: Double = 0) {
            self.score = score
            self.weakQuality = weakQuality
            self.strongQuality = strongQuality
            self.weakCost = weakCost
            self.strongCost = strongCost
        }
    }

    /// Evaluates `outcomes`. Prompts with equal scores are routed as a block in random order, so
    /// the curve takes the expected value within the block (a constant router scores exactly 0.5).
    public init(_ outcomes: [Outcome]) {
        let count = outcomes.count
        guard count > 0 else {
            self.init(apgr: 0.5, cpt50: 1, cpt80: 1, saving95: 0)
            return
        }
        let sorted = outcomes.sorted { $0.score > $1.score }
        // Quality and cost summed over all prompts with the top k sent strong, for k = 0…n.
        var quality = [Double](repeating: 0, count: count + 1)
        var cost = [Double](repeating: 0, count: count + 1)
        quality[0] = outcomes.reduce(0) { $0 + $1.weakQuality }
        cost[0] = outcomes.reduce(0) { $0 + $1.weakCost }
        var start = 0
        while start < count {
            var end = start
            while end < count, sorted[end].score == sorted[start].score { end += 1 }
            let size = Double(end - start)
            let gain = sorted[start..<end].reduce(0) { $0 + $1.strongQuality - $1.weakQuality } / size
            let extra = sorted[start..<end].reduce(0) { $0 + $1.strongCost - $1.weakCost } / size
            for k in start..<end {
                quality[k + 1] = quality[k] + gain
                cost[k + 1] = cost[k] + extra
            }
            start = end
        }
        let weak = quality[0], strong = quality[count]
        let gap = strong - weak
        let pgr = quality.map { gap == 0 ? 1 : ($0 - weak) / gap }
        var area = 0.0
        for k in 0..<count { area += (pgr[k] + pgr[k + 1]) / 2 }
        let share: (Double) -> Double = { target in
            guard let k = pgr.firstIndex(where: { $0 >= target - 1e-12 }) else { return 1 }
            guard k > 0 else { return 0 }
            // Linear between the two steps around the target.
            let fraction = (target - pgr[k - 1]) / (pgr[k] - pgr[k - 1])
            return (Double(k - 1) + fraction) / Double(count)
        }
        var saving = 0.0
        if cost[count] > 0, let k = quality.firstIndex(where: { $0 >= 0.95 * strong - 1e-12 }) {
            saving = 1 - cost[k] / cost[count]
        }
        self.init(apgr: area / Double(count), cpt50: share(0.5), cpt80: share(0.8), saving95: saving)
    }

    public init(apgr: Double, cpt50: Double, cpt80: Double, saving95: Double) {
        self.apgr = apgr
        self.cpt50 = cpt50
        self.cpt80 = cpt80
        self.saving95 = saving95
    }
}
