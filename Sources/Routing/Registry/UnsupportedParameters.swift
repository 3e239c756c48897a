/// What a model or route does with a request parameter it cannot honour — one the provider's
/// format has no equivalent for, or reasoning asked of a model without the `reasoning`
/// capability: refuse the request with 400 naming it (the default), or drop it and name it in
/// `x-tollgate-dropped`.
public enum UnsupportedParameters: String, Hashable, Sendable, CaseIterable {
    case refuse, drop
}
