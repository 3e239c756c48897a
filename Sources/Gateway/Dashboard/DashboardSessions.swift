import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who is signed in to the dashboard: a random session id (the cookie) with its CSRF token and
/// expiry, kept in this process's memory. Signing in again on another replica, or after a restart,
/// is needed; nothing about a session is written to disk.
public final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var csrf: String
        var expires: Date
    }

    /// How long a session lasts from sign-in.
    let lifetime: Duration
    private let clock: any TimeSource
    private let sessions = Mutex<[String: Session]>([:])

    init(clock: any TimeSource, lifetime: Duration = .seconds(12 * 3600)) {
        self.clock = clock
        self.lifetime = lifetime
    }

    /// Starts a session: its id and its CSRF token.
    func start() -> (id: String, session: Session) {
        let now = clock.date()
        let session = Session(csrf: Self.token(), expires: now.addingTimeInterval(Double(lifetime.components.seconds)))
        let id = Self.token()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The live session with this id.
    func session(_ id: String) -> Session? {
        let now = clock.date()
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            if session.expires <= now {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 32 random bytes as URL-safe base64 without padding.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
