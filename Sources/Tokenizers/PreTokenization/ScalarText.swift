/// A text decoded once into what the splitters need: its UTF-8 bytes, and per scalar its value,
/// class and byte offset. Splitters work in scalar indices; BPE works on the byte ranges.
struct ScalarText: Sendable {
    let bytes: [UInt8]
    let values: [UInt32]
    let classes: [ScalarClass]
    /// `offsets[i]` is the byte offset of scalar `i`; `offsets[count]` is `bytes.count`.
    let offsets: [Int]

    init(_ text: String) {
        var bytes: [UInt8] = []
        var values: [UInt32] = []
        var classes: [ScalarClass] = []
        var offsets: [Int] = []
        let utf8Count = text.utf8.count
        bytes.reserveCapacity(utf8Count)
        values.reserveCapacity(utf8Count)
        classes.reserveCapacity(utf8Count)
        offsets.reserveCapacity(utf8Count + 1)
        bytes.append(contentsOf: text.utf8)
        for scalar in text.unicodeScalars {
            offsets.append(offsets.isEmpty ? 0 : offsets[offsets.count - 1] + Self.width(of: values[values.count - 1]))
            values.append(scalar.value)
            classes.append(ScalarClass.of(scalar.value))
        }
        offsets.append(bytes.count)
        self.bytes = bytes
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
