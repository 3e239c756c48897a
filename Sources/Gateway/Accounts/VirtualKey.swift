import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client key as stored: its SHA-256 hash and what it may do, never the secret itself.
public struct VirtualKey: Hashable, Sendable, Codable {
    public var id: String
    public var organizationID: String
    public var name: String?
    public var team: String?
    /// A recognizable fragment for people (`tg-AbC1…xY9z`), not enough to use the key.
    public var hint: String
    /// The models the key may use; `nil` for all.
    public var allowedModels: [String]?
    /// The key's own rate limits; `nil` for none.
    public var requestsPerMinute: Int64?
    public var tokensPerMinute: Int64?
    public var createdAt: Date
    public var revokedAt: Date?
    /// The provider regions the key may reach (`keys create --regions eu,us`); `nil` for any.
    public var allowedRegions: [String]? = nil
    /// How long the key's requests are answered from the response cache (`cache_ttl_seconds`),
    /// unless a request says otherwise; `nil`: only when asked.
    public var cacheTTLSeconds: Int64? = nil
    /// How many of the key's requests may be in flight at once in one gateway process
    /// (`max_concurrent`); `nil` for no limit.
    public var maxConcurrent: Int64? = nil

    public var isRevoked: Bool { revokedAt != nil }

    public func allows(model: String) -> Bool {
        allowedModels.map { $0.contains(model) } ?? true
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "org_id", name, team, hint, allowedModels = "allowed_models"
        case requestsPerMinute = "rpm", tokensPerMinute = "tpm"
        case createdAt = "created_at", revokedAt = "revoked_at", allowedRegions = "regions"
        case cacheTTLSeconds = "cache_ttl_seconds", maxConcurrent = "max_concurrent"
    }
}

/// The secret form of a key, shown once when it is made.
public enum KeySecret {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new key: `tg-` and 43 base-62 characters, 256 random bits.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        // 43 base-62 digits carry 256 bits; rejection sampling keeps each digit uniform.
        var characters: [UInt8] = []
        while characters.count < 43 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { characters.append(alphabet[Int(byte % 62)]) }
        }
        return "tg-" + String(decoding: characters, as: UTF8.self)
    }

    /// The hex SHA-256 of the key: what the database stores and looks keys up by.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func hint(_ secret: String) -> String {
        "\(secret.prefix(7))…\(secret.suffix(4))"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
