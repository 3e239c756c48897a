/// Why a tokenizer operation failed.
public struct TokenizerError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case unknownEncoding
        case missingResource
        case corruptResource
        case unknownModel
        case unsupportedContent
        case invalidTokenID
    }

    private let code: Code
    /// What was wrong, for logs and the command line.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// No encoding has this name.
    public static func unknownEncoding(_ name: String) -> TokenizerError { .init(.unknownEncoding, "unknown encoding '\(name)'") }
    /// A vocabulary file is not in the package's resources.
    public static func missingResource(_ name: String) -> TokenizerError { .init(.missingResource, "missing resource \(name)") }
    /// A vocabulary file could not be decoded.
    public static func corruptResource(_ why: String) -> TokenizerError { .init(.corruptResource, "corrupt vocabulary: \(why)") }
    /// No encoding is known for this model name.
    public static func unknownModel(_ name: String) -> TokenizerError { .init(.unknownModel, "no tokenizer known for model '\(name)'") }
    /// The request holds content whose billed size is unknown for this model (e.g. an image for a text-only encoding).
    public static func unsupportedContent(_ why: String) -> TokenizerError { .init(.unsupportedContent, why) }
    /// A token id outside the vocabulary was given to decode.
    public static func invalidTokenID(_ id: Int) -> TokenizerError { .init(.invalidTokenID, "token id \(id) is not in the vocabulary") }

    /// The one-line reason.
    public var description: String { detail }

    /// True for errors that mean "this model or content cannot be counted" rather than a broken install.
    public var isUnsupported: Bool { code == .unknownModel || code == .unsupportedContent || code == .unknownEncoding }
}
