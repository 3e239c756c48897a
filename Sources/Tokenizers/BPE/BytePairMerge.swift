/// Byte-pair merging of one pre-token: start from single bytes and repeatedly merge the adjacent
/// pair with the lowest priority (the leftmost one on ties) until no pair merges.
///
/// A piece that is not a token is first cut where no part can span (``segmented(_:rule:into:)``);
/// random text falls apart into segments of a few bytes there. Segments up to 64 bytes take the
/// direct quadratic loop tiktoken uses, longer ones (one repeated character, long words) buckets
/// of candidate pairs per priority over a linked list of parts (near-linear). Both pick the same
/// pair at every step, so they produce the same ids. A long run of digits or whitespace, which has
/// no cuts, takes the backtracking encoder of ``RunMerge`` instead.
enum BytePairMerge {
    /// Segments up to this many bytes take the quadratic loop, which is faster when short.
    static let bucketThreshold = 64

    static func encode<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        if piece.count == 1 {
            out.append(rule.byteID(piece[0]))
            return
        }
        if let whole = rule.wholePiece(piece) {
            out.append(whole)
            return
        }
        // A run of digits or whitespace cannot be cut (their pairs are tokens); skip looking for cuts.
        if piece.count > bucketThreshold {
            for runs in rule.runMerges where runs.covers(piece) {
                if runs.encode(piece, rule: rule, into: &out) { return }
            }
        }
        segmented(piece, rule: rule, into: &out)
    }

    /// Merges a piece as the segments between the places no part can span: the same tokens as
    /// merging it whole, in short merges. Every part is a token, so no part spans two bytes that
    /// no token holds in a row, nor two bytes that are not a token themselves when no token holds
    /// the three-byte run on either side of the cut (``BytePairTable``); merges on either side of
    /// such a cut never meet, so each side merges on its own. Random letters are cut at about a
    /// quarter of their bytes, random bytes at two fifths; digits, one repeated character and
    /// words are rarely cut and merge whole.
    static func segmented<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        var start = 0
        let n = piece.count
        for i in 1..<n {
            let a = piece[i - 1]
            let b = piece[i]
            if rule.joined(a, b) {
                guard rule.priority(bytes: a, b) == .max, i + 1 == n || !rule.joined(a, b, piece[i + 1]),
                    i < 2 || !rule.joined(piece[i - 2], a, b)
                else { continue }
            }
            segment(UnsafeBufferPointer(rebasing: piece[start..<i]), rule: rule, into: &out)
            start = i
        }
        segment(UnsafeBufferPointer(rebasing: piece[start...]), rule: rule, into: &out)
    }

    /// One segment of a piece, which is not the whole piece: no whole-token shortcut (tiktoken
    /// looks up only the piece as a whole).
    @inline(__always)
    private static func segment<Rule: MergeRule>(_ segment: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        if segment.count == 1 {
            out.append(rule.byteID(segment[0]))
        } else if segment.count <= bucketThreshold {
            naive(segment, rule: rule, into: &out)
        } else {
            bucketed(segment, rule: rule, into: &out)
        }
    }

    /// The reference algorithm: scan every pair at every step.
    ///
    /// Each part is one word, `priority << 32 | id`, where the priority is that of the pair the
    /// part starts, or `0xFFFF_FFFF` (above any real one) when it does not merge; the scan is a
    /// plain minimum of the high halves, a strict `<` keeping the leftmost on ties, and removing a
    /// part moves one array.
    static func naive<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        let n = piece.count
        if n <= 3 {
            threeOrFewer(piece, rule: rule, into: &out)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { parts in
            for i in 0..<n - 1 {
                parts[i] = UInt64(rule.priority(bytes: piece[i], piece[i + 1])) << 32 | UInt64(rule.byteID(piece[i]))
            }
            parts[n - 1] = 0xFFFF_FFFF << 32 | UInt64(rule.byteID(piece[n - 1]))
            var count = n
            while count > 1 {
                var at = 0
                var best = parts[0] >> 32
                for i in 1..<count - 1 where parts[i] >> 32 < best {
                    best = parts[i] >> 32
                    at = i
                }
                if best == 0xFFFF_FFFF { break }
                let merged = rule.mergedID(UInt32(truncatingIfNeeded: best))
                for i in (at + 1)..<(count - 1) { parts[i] = parts[i + 1] }  // remove part at + 1
                count -= 1
                let right = at + 1 < count ? rule.priority(merged, UInt32(truncatingIfNeeded: parts[at + 1])) : .max
                parts[at] = UInt64(right) << 32 | UInt64(merged)
                if at > 0 {
                    let left = UInt32(truncatingIfNeeded: parts[at - 1])
                    parts[at - 1] = UInt64(rule.priority(left, merged)) << 32 | UInt64(left)
                }
            }
            for i in 0..<count { out.append(UInt32(truncatingIfNeeded: parts[i])) }
        }
    }

    /// The reference loop unrolled for two or three bytes, the most common pieces of random text.
    @inline(__always)
    private static func threeOrFewer<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        let first = rule.priority(bytes: piece[0], piece[1])
        if piece.count == 2 {
            appendMerged(rule.byteID(piece[0]), rule.byteID(piece[1]), first, rule: rule, into: &out)
            return
        }
        let second = rule.priority(bytes: piece[1], piece[2])
        if first == .max && second == .max {
            out.append(rule.byteID(piece[0]))
            out.append(rule.byteID(piece[1]))
            out.append(rule.byteID(piece[2]))
        } else if first <= second {  // the leftmost on a tie
            let merged = rule.mergedID(first)
            let last = rule.byteID(piece[2])
            appendMerged(merged, last, rule.priority(merged, last), rule: rule, into: &out)
        } else {
            let head = rule.byteID(piece[0])
            let merged = rule.mergedID(second)
            appendMerged(head, merged, rule.priority(head, merged), rule: rule, into: &out)
        }
    }

    /// Two parts as the token they merge into at `priority`, or both when that is `.max`.
    @inline(__always)
    private static func appendMerged<Rule: MergeRule>(
        _ left: UInt32, _ right: UInt32, _ priority: UInt32, rule: Rule, into out: inout [UInt32]
    ) {
        if priority != .max {
            out.append(rule.mergedID(priority))
        } else {
            out.append(left)
            out.append(right)
        }
    }

    /// The near-linear algorithm. Candidate pairs wait in one bucket per priority; a small heap
    /// holds the priorities that have a non-empty bucket. The lowest bucket is taken whole, sorted
    /// by position (usually already in order) and merged left to right, which is exactly the
    /// reference's "lowest priority, then leftmost" order as long as no merge creates a pair of
    /// lower or equal priority; when one does, the rest of the bucket goes back and the heap
    /// decides again. Repetitive adversarial pieces (one character 100 KB long) then cost a few
    /// buckets instead of a heap operation per byte.
    static func bucketed<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) {
        let n = piece.count
        // Candidate pairs alive at once: n - 1 initial ones, then at most 2 more per merge. Putting
        // the rest of a bucket back moves its pairs rather than adding any (taken entries are
        // reused), so however often that happens this bounds the entries, any bucket, and the
        // distinct priorities.
        let entryCapacity = 3 * n
        // Distinct priorities are bounded by the vocabulary too, so the map stays a few MiB however
        // long the piece; the rest is about 70 bytes per byte of the piece.
        var slotCount = 16
        while slotCount < 2 * min(entryCapacity, rule.priorityBound) { slotCount <<= 1 }
        // When that is as large as the priorities' range (long pieces), index by priority instead:
        // smaller, and no probing.
        let direct = slotCount >= rule.priorityBound
        if direct { slotCount = rule.priorityBound }
        let mask = slotCount - 1
        // One allocation: the parts, the chained entries, the priority → bucket map, the priority
        // heap, a scratch list, and the initial pairs sorted by bucket. Each part's and each
        // bucket's fields sit together, so touching one is one cache line.
        let bytes =
            n * MemoryLayout<Part>.stride + entryCapacity * MemoryLayout<Entry>.stride + slotCount * MemoryLayout<Bucket>.stride
            + entryCapacity * 4 + entryCapacity * 4 + n * 8
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        defer { raw.deallocate() }
        var offset = 0
        func carve<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
            defer { offset += count * MemoryLayout<T>.stride }
            return (raw + offset).bindMemory(to: T.self, capacity: count)
        }
        let parts = carve(Part.self, n)
        let buckets = carve(Bucket.self, slotCount)
        let entries = carve(Entry.self, entryCapacity)
        let heap = carve(UInt32.self, entryCapacity)
        let scratch = carve(Int32.self, entryCapacity)
        // The initial pairs go to their buckets by a counting sort: bucket `s` starts with
        // `initial[start ..< start + initialCount]`, in position order and contiguous, so taking it
        // reads memory in sequence; only pairs made by merges are chained.
        let initial = carve(Int32.self, n)
        let slotOf = carve(Int32.self, n)
        for s in 0..<slotCount { buckets[s].priority = .max }
        var entryCount = 0
        var freeEntry: Int32 = -1  // entries of taken buckets, linked through `next`
        var heapCount = 0

        func slot(_ priority: UInt32) -> Int {
            if direct { return Int(priority) }
            var s = Int(truncatingIfNeeded: UInt64(priority) &* 0x9E37_79B9_7F4A_7C15 >> 40) & mask
            while buckets[s].priority != priority && buckets[s].priority != .max { s = (s + 1) & mask }
            return s
        }
        func add(_ position: Int, _ priority: UInt32) {
            let s = slot(priority)
            if buckets[s].priority == .max {
                buckets[s] = Bucket(priority: priority, head: -1, initialStart: 0, initialCount: 0)
            }
            if buckets[s].head < 0 && buckets[s].initialCount == 0 { pushPriority(heap, &heapCount, priority) }
            var entry = freeEntry
            if entry >= 0 {
                freeEntry = entries[Int(entry)].next
            } else {
                precondition(entryCount < entryCapacity, "more candidate pairs than a merge can have")
                entry = Int32(entryCount)
                entryCount += 1
            }
            entries[Int(entry)] = Entry(position: Int32(position), next: buckets[s].head)
            buckets[s].head = entry
        }

        var usedCount = 0
        for i in 0..<n - 1 {
            let priority = rule.priority(bytes: piece[i], piece[i + 1])
            parts[i] = Part(id: rule.byteID(piece[i]), pair: priority, next: Int32(i + 1), previous: Int32(i - 1))
            guard priority != .max else { continue }
            let s = slot(priority)
            if buckets[s].priority == .max {
                buckets[s] = Bucket(priority: priority, head: -1, initialStart: 0, initialCount: 0)
                pushPriority(heap, &heapCount, priority)
                scratch[usedCount] = Int32(s)  // scratch is free until the first bucket is taken
                usedCount += 1
            }
            buckets[s].initialCount += 1
            slotOf[i] = Int32(s)
        }
        parts[n - 1] = Part(id: rule.byteID(piece[n - 1]), pair: .max, next: Int32(n), previous: Int32(n - 2))
        // Each bucket's end, then filled backwards so each ends at its start, in position order.
        var end: Int32 = 0
        for u in 0..<usedCount {
            let s = Int(scratch[u])
            end += buckets[s].initialCount
            buckets[s].initialStart = end
        }
        for i in stride(from: n - 2, through: 0, by: -1) where parts[i].pair != .max {
            let s = Int(slotOf[i])
            buckets[s].initialStart -= 1
            initial[Int(buckets[s].initialStart)] = Int32(i)
        }
        while heapCount > 0 {
            let priority = popPriority(heap, &heapCount)
            let merged = rule.mergedID(priority)
            let s = slot(priority)
            // Take the bucket whole: its initial pairs (in position order), then its chained
            // entries, which were filled newest first, reversed into creation order.
            let first = Int(buckets[s].initialCount)
            let start = Int(buckets[s].initialStart)
            for k in 0..<first { scratch[k] = initial[start + k] }
            buckets[s].initialCount = 0
            var count = first
            var entry = buckets[s].head
            while entry >= 0 {
                scratch[count] = entries[Int(entry)].position
                count += 1
                let taken = entry
                entry = entries[Int(entry)].next
                entries[Int(taken)].next = freeEntry
                freeEntry = taken
            }
            buckets[s].head = -1
            var chained = UnsafeMutableBufferPointer(start: scratch + first, count: count - first)
            chained.reverse()
            var positions = UnsafeMutableBufferPointer(start: scratch, count: count)
            var sorted = true
            for k in 1..<max(count, 1) where positions[k - 1] > positions[k] {
                sorted = false
                break
            }
            if !sorted { positions.sort() }
            var k = 0
            while k < count {
                let i = Int(positions[k])
                k += 1
                guard parts[i].pair == priority else { continue }  // stale
                let right = Int(parts[i].next)
                let after = Int(parts[right].next)
                parts[i].id = merged
                parts[right].pair = .max
                parts[i].next = Int32(after)
                var lowest = UInt32.max
                if after < n {
                    parts[after].previous = Int32(i)
                    let result = rule.priority(merged, parts[after].id)
                    parts[i].pair = result
                    if result != .max {
                        add(i, result)
                        lowest = result
                    }
                } else {
                    parts[i].pair = .max
                }
                let left = Int(parts[i].previous)
                if left >= 0 {
                    let result = rule.priority(parts[left].id, merged)
                    parts[left].pair = result
                    if result != .max {
                        add(left, result)
                        lowest = min(lowest, result)
                    }
                }
                if lowest <= priority {
                    // A pair that must go first appeared: return the rest and let the heap choose.
                    while k < count {
                        add(Int(positions[k]), priority)
                        k += 1
                    }
                }
            }
        }
        var i = 0
        while i < n {
            out.append(parts[i].id)
            i = Int(parts[i].next)
        }
    }

    /// One part of a piece being merged: its token, the priority of the pair it starts with the
    /// next part (or `.max`), and the linked list of parts still standing.
    private struct Part {
        var id: UInt32
        var pair: UInt32
        var next: Int32
        var previous: Int32
    }

    /// The candidate pairs of one priority: initial ones as a range of the sorted initial list,
    /// the ones merges made as a chain of entries.
    private struct Bucket {
        var priority: UInt32
        var head: Int32
        var initialStart: Int32
        var initialCount: Int32
    }

    private struct Entry {
        var position: Int32
        var next: Int32
    }

    @inline(__always)
    private static func pushPriority(_ heap: UnsafeMutablePointer<UInt32>, _ count: inout Int, _ value: UInt32) {
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            let above = heap[parent]
            if above <= value { break }
            heap[child] = above
            child = parent
        }
        heap[child] = value
    }

    @inline(__always)
    private static func popPriority(_ heap: UnsafeMutablePointer<UInt32>, _ count: inout Int) -> UInt32 {
        let top = heap[0]
        count -= 1
        guard count > 0 else { return top }
        let value = heap[count]
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && heap[child + 1] < heap[child] { child += 1 }
            if value <= heap[child] { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = value
        return top
    }
}
