/// An image in a message; its billed size depends on its pixel size and detail.
public struct ImageInput: Sendable, Hashable {
    /// OpenAI's `detail`.
    public enum Detail: String, Sendable, Hashable {
        case auto, low, high
    }

    /// Pixel width, when known.
    public var width: Int?
    /// Pixel height, when known.
    public var height: Int?
    /// The requested detail; `auto` is billed as `high`.
    public var detail: Detail

    /// An image of the given size and detail.
    public init(width: Int?, height: Int?, detail: Detail = .auto) {
        self.width = width
        self.height = height
        self.detail = detail
    }
}
