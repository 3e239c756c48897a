/// A bit per scalar of the first three planes (everything below ``ScalarClass/tableBound``: the
/// Basic Multilingual Plane, emoji and the other supplementary scripts, the CJK extensions)
/// answering "could the normalization change or move this scalar?", computed once from a
/// predicate; scalars above ask the predicate directly.
///
/// Normalizing piecewise asks this of every non-ASCII scalar of the text; the predicates read
/// several Unicode properties, which cost far more than one bit test.
struct QuickCheckTable: Sendable {
    private let bits: [UInt64]
    private let predicate: @Sendable (Unicode.Scalar) -> Bool

    init(_ predicate: @escaping @Sendable (Unicode.Scalar) -> Bool) {
        var bits = [UInt64](repeating: 0, count: Int(ScalarClass.tableBound) / 64)
        for value in 0..<ScalarClass.tableBound {
            if let scalar = Unicode.Scalar(value), predicate(scalar) { bits[Int(value >> 6)] |= 1 << UInt64(value & 63) }
        }
        self.bits = bits
        self.predicate = predicate
    }

    @inline(__always)
    func mayChange(_ value: UInt32) -> Bool {
        if value < ScalarClass.tableBound { return bits.withUnsafeBufferPointer { $0[Int(value >> 6)] } & (1 << UInt64(value & 63)) != 0 }
        return Unicode.Scalar(value).map(predicate) ?? false
    }
}
