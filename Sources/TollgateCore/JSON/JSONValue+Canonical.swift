extension JSONValue {
    /// The value in a form that means the same whatever its writer's habits: object members
    /// sorted by key at every depth, and a number with no fractional part written as an integer
    /// (`0.0` and `0` are one temperature). Two requests that differ only in key order or
    /// whitespace have equal canonical forms.
    public var canonicalized: JSONValue {
        switch self {
        case .object(let object):
            return .object(JSONObject(uniqueKeysWithValues: object.sorted { $0.key < $1.key }.map { ($0.key, $0.value.canonicalized) }))
        case .array(let array):
            return .array(array.map(\.canonicalized))
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15:
            return .int(Int64(value))
        default:
            return self
        }
    }
}
