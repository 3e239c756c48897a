#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Money {
    /// The amount for people: two decimals from 1 up, with thousands separators, rounded half-even
    /// from the exact nanos; four significant digits below 1. JSON keeps every nano-unit.
    public var readable: String {
        guard abs(nanos) >= Money.nanosPerUnit else {
            return nanos == 0 ? "0" : Money.significant(approximateUnits)
        }
        let perCent = Money.nanosPerUnit / 100
        let magnitude = nanos.magnitude
        var cents = magnitude / UInt64(perCent)
        let remainder = magnitude % UInt64(perCent)
        if remainder * 2 > UInt64(perCent) || (remainder * 2 == UInt64(perCent) && cents % 2 == 1) { cents += 1 }
        var grouped = ""
        for (index, digit) in String(cents / 100).reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let fraction = cents % 100
        return (nanos < 0 ? "-" : "") + String(grouped.reversed()) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

extension Money {
    /// Four significant digits of a value below 1, without trailing zeros: 0.0123, 0.5.
    static func significant(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return "0" }
        // Decimals that leave four significant digits for a value below 1.
        var decimals = 3
        var scale = 1000.0
        while abs(value) * scale < 1000, decimals < 18 {
            decimals += 1
            scale *= 10
        }
        var text = String(Int64((abs(value) * scale).rounded()))
        while text.count <= decimals { text = "0" + text }
        var result = decimals > 0 ? String(text.dropLast(decimals)) + "." + String(text.suffix(decimals)) : text
        if decimals > 0 {
            while result.hasSuffix("0") { result.removeLast() }
            if result.hasSuffix(".") { result.removeLast() }
        }
        return (value < 0 ? "-" : "") + result
    }
}
