import TollgateCore

/// The tests' seeded generator: a failing sequence is replayed from its seed.
public typealias SeededGenerator = SplitMix64
