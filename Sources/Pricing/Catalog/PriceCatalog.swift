import Foundation

/// The file form of a price book: the built-in catalog, and what `prices import litellm`
/// writes. JSON with prices as decimal strings per 1M tokens, instants in ISO 8601.
public struct PriceCatalog: Sendable, Codable {
    /// Where the catalog's figures come from, in a sentence.
    public var description: String?
    public var models: [PricedModel]

    public init(description: String? = nil, models: [PricedModel]) {
        self.description = description
        self.models = models
    }

    /// Reads a catalog file.
    public init(json data: Data) throws(PricingError) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = InstantText.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "'\(text)' is not an ISO 8601 instant"))
            }
            return date
        }
        do {
            self = try decoder.decode(PriceCatalog.self, from: data)
        } catch let error as DecodingError {
            throw PricingError(.invalidCatalog(PriceCatalog.describe(error)))
        } catch {
            throw PricingError(.invalidCatalog("\(error)"))
        }
    }

    /// The catalog as pretty-printed JSON with sorted keys, so diffs of it are readable.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// The models as a price book.
    public var priceBook: PriceBook { PriceBook(models: models) }

    /// The catalog shipped inside Tollgate.
    public static func builtIn() throws(PricingError) -> PriceCatalog {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json"),
              let data = try? Data(contentsOf: url) else {
            throw PricingError(.invalidCatalog("the built-in catalog resource is missing"))
        }
        return try PriceCatalog(json: data)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension PriceBook {
    /// The built-in catalog as a price book.
    public static func builtIn() throws(PricingError) -> PriceBook {
        try PriceCatalog.builtIn().priceBook
    }
}
