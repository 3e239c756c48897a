/// An image in a message; its billed size depends on its pixel size and detail.
public struct ImageInput: Sendable, Hashable {
    /// OpenAI's `detail`.
    public enum Detail: String, Sendable, Hashable {
        case auto, low, high
    }

    public var width: Int?
    public var height: Int?
    public var detail: Detail

    public init(width: Int?, height: Int?, detail: Detail = .auto) {
        self.width = width
        self.height = height
        self.detail = detail
    }
}
