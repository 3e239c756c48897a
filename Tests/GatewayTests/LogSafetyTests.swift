import Gateway
import Logging
import Synchronization
import Testing

@Suite struct LogSafetyTests {
    /// Keeps what a handler is given, to see what would be written.
    final class Captured: Sendable {
        let events = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    }

    struct CapturingHandler: LogHandler {
        let captured: Captured
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            captured.events.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test func aClientsNewlineInAModelNameCannotForgeATextLogLine() throws {
        let captured = Captured()
        let logger = Logger(label: "test") { _ in LineSafeLogHandler(CapturingHandler(captured: captured)) }
        let forged = "x\n2026-12-07T00:00:00+0000 critical tollgate: FORGED admin login\r\u{1B}[31m"
        logger.info("request \(forged)", metadata: ["model": .string(forged), "tags": .array([.string("a\nb")]),
                                                    "plain": .string("gpt-4o café")])
        let event = try #require(captured.events.withLock { $0.first })
        for text in [event.message, "\(event.metadata["model"]!)", "\(event.metadata["tags"]!)"] {
            #expect(!text.contains("\n") && !text.contains("\r") && !text.contains("\u{1B}"), "\(text)")
        }
        #expect(event.metadata["model"] == .string(#"x\n2026-12-07T00:00:00+0000 critical tollgate: FORGED admin login\r\u{1B}[31m"#))
        #expect(event.metadata["plain"] == .string("gpt-4o café"))
    }
}
