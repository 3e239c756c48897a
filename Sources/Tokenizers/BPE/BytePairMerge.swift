/// Byte-pair merging of one pre-token: start from single bytes and repeatedly merge the adjacent
/// pair with the lowest priority (the leftmost one on ties) until no pair merges.
///
/// Short pieces use the direct quadratic loop tiktoken uses; long ones a min-heap of candidate
/// pairs over a linked list of parts, O(n log n), so a megabyte without a space costs about what
/// prose does. Both pick the same pair at every step, so they produce the same ids.
enum BytePairMerge {
    /// Pieces up to this many bytes take the quadratic loop, which is faster when short.
    static let heapThreshold = 48

    static func encode<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        if piece.count == 1 {
            out.append(rule.byteID(piece[0]))
            return
        }
        if let whole = rule.wholePiece(piece) {
            out.append(whole)
            return
        }
        if piece.count <= heapThreshold {
            naive(piece, rule: rule, into: &out)
        } else {
            heap(piece, rule: rule, into: &out)
        }
    }

    /// The reference algorithm: scan every pair at every step.
    static func naive<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        let n = piece.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 1) { starts in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { ids in
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { pairs in
                    for i in 0..<n {
                        starts[i] = i
                        ids[i] = rule.byteID(piece[i])
                    }
                    starts[n] = n
                    var count = n
                    func pair(_ i: Int) -> UInt64 {
                        i + 1 < count
                            ? rule.merge(piece, start: starts[i], mid: starts[i + 1], end: starts[i + 2], left: ids[i], right: ids[i + 1])
                            : .max
                    }
                    for i in 0..<count { pairs[i] = pair(i) }
                    while true {
                        // Lowest priority wins; strict `<` keeps the leftmost on ties.
                        var at = -1
                        for i in 0..<count - 1 where pairs[i] != .max && (at < 0 || pairs[i] >> 32 < pairs[at] >> 32) {
                            at = i
                        }
                        if at < 0 { break }
                        let best = pairs[at]
                        ids[at] = UInt32(truncatingIfNeeded: best)
                        for i in (at + 1)..<count {
                            starts[i] = starts[i + 1]
                            if i + 1 < count { ids[i] = ids[i + 1]; pairs[i] = pairs[i + 1] }
                        }
                        starts[count - 1] = starts[count]
                        count -= 1
                        pairs[at] = pair(at)
                        if at > 0 { pairs[at - 1] = pair(at - 1) }
                    }
                    for i in 0..<count { out.append(ids[i]) }
                }
            }
        }
    }

    /// The near-linear algorithm: a min-heap keyed by `priority << 32 | start` with stale entries
    /// skipped on pop (a part's current pair priority is kept beside it).
    static func heap<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        let n = piece.count
        var ids = [UInt32](repeating: 0, count: n)
        var next = [Int32](repeating: 0, count: n)
        var previous = [Int32](repeating: -1, count: n)
        var pairPriority = [UInt64](repeating: .max, count: n)  // priority << 32 | merged id
        var heap = MinHeap(capacity: n)
        for i in 0..<n {
            ids[i] = rule.byteID(piece[i])
            next[i] = Int32(i + 1)
            previous[i] = Int32(i - 1)
        }
        func refresh(_ i: Int) {
            let right = Int(next[i])
            guard right < n else {
                pairPriority[i] = .max
                return
            }
            let result = rule.merge(piece, start: i, mid: right, end: Int(next[right]), left: ids[i], right: ids[right])
            pairPriority[i] = result
            if result != .max { heap.push((result >> 32) << 32 | UInt64(i)) }
        }
        for i in 0..<n - 1 { refresh(i) }
        while let entry = heap.pop() {
            let i = Int(entry & 0xFFFF_FFFF)
            let current = pairPriority[i]
            // Stale: the part was absorbed (its priority was reset) or its pair changed since.
            guard current != .max, current >> 32 == entry >> 32 else { continue }
            let right = Int(next[i])
            ids[i] = UInt32(truncatingIfNeeded: current)
            pairPriority[right] = .max
            next[i] = next[right]
            if Int(next[right]) < n { previous[Int(next[right])] = Int32(i) }
            refresh(i)
            if previous[i] >= 0 { refresh(Int(previous[i])) }
        }
        var i = 0
        while i < n {
            out.append(ids[i])
            i = Int(next[i])
        }
    }
}

/// A binary min-heap of packed `UInt64` keys.
struct MinHeap {
    private var items: [UInt64] = []

    init(capacity: Int) { items.reserveCapacity(capacity) }

    mutating func push(_ value: UInt64) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= items.count { break }
                var smallest = left
                if left + 1 < items.count && items[left + 1] < items[left] { smallest = left + 1 }
                if items[parent] <= items[smallest] { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
