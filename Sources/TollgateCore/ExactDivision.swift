/// Integer division rounded half to even ("banker's rounding"), the one rounding Tollgate
/// applies to a request's cost.
public func dividedRoundingHalfEven(_ numerator: Int128, by denominator: Int128) -> Int128 {
    precondition(denominator != 0, "division by zero")
    var quotient = numerator / denominator
    let remainder = numerator % denominator
    if remainder == 0 { return quotient }
    let twiceRemainder = remainder.magnitude * 2
    let divisor = denominator.magnitude
    let awayFromZero: Int128 = (numerator < 0) != (denominator < 0) ? -1 : 1
    if twiceRemainder > divisor || (twiceRemainder == divisor && quotient % 2 != 0) {
        quotient += awayFromZero
    }
    return quotient
}
