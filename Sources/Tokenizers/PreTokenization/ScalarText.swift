/// A text decoded once into what the splitters need: its UTF-8 bytes, and per scalar its value,
/// class and byte offset. Splitters work in scalar indices; BPE works on the byte ranges.
struct ScalarText: Sendable {
    let bytes: [UInt8]
    let values: [UInt32]
    let classes: [ScalarClass]
    /// `offsets[i]` is the byte offset of scalar `i`; `offsets[count]` is `bytes.count`.
    let offsets: [Int]

    init(_ text: String) {
        var text = text
        text.makeContiguousUTF8()
        self = text.utf8.withContiguousStorageIfAvailable { ScalarText(utf8: $0) } ?? ScalarText(utf8: Array(text.utf8))
    }

    private init(utf8: [UInt8]) {
        self = utf8.withUnsafeBufferPointer { ScalarText(utf8: $0) }
    }

    /// From valid UTF-8 (a String's bytes, or a cut of them at scalar boundaries), decoded here
    /// without building a String (which would validate the bytes once more).
    init(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        let count = buffer.count
        // At most one scalar per byte: written through buffers of that capacity, whose counts are
        // then set to the scalars found (no capacity or uniqueness check per scalar, as `append`
        // makes).
        var scalarCount = 0
        var classes: [ScalarClass] = []
        var offsets: [Int] = []
        let values = [UInt32](unsafeUninitializedCapacity: count) { values, valuesCount in
            classes = [ScalarClass](unsafeUninitializedCapacity: count) { classes, classesCount in
                offsets = [Int](unsafeUninitializedCapacity: count + 1) { offsets, offsetsCount in
                    ScalarClass.table.withUnsafeBufferPointer { table in
                        var i = 0
                        while i < count {
                            let (value, width) = CanonicalComposition.decode(buffer, i)
                            offsets[scalarCount] = i
                            values[scalarCount] = value
                            classes[scalarCount] = ScalarClass.of(value, in: table)
                            scalarCount += 1
                            i += width
                        }
                    }
                    offsets[scalarCount] = count
                    offsetsCount = scalarCount + 1
                }
                classesCount = scalarCount
            }
            valuesCount = scalarCount
        }
        self.bytes = Array(buffer)
        self.values = values
        self.classes = classes
        self.offsets = offsets
    }

    var count: Int { values.count }

    @inline(__always)
    private static func width(of value: UInt32) -> Int {
        value < 0x80 ? 1 : value < 0x800 ? 2 : value < 0x10000 ? 3 : 4
    }

    /// The scalar index holding byte offset `byte` (which must start a scalar).
    func scalarIndex(ofByte byte: Int) -> Int {
        var low = 0
        var high = offsets.count - 1
        while low < high {
            let mid = (low + high) / 2
            if offsets[mid] < byte { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
