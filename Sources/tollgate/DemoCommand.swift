import ArgumentParser
import Foundation
import Gateway
import Pricing
import Providers
import Routing
import SimulatedProviders
import Storage
import TollgateCore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway with simulated providers, a demo organization with credit and a demo key.")

    @Option(help: "The port to listen on.") var port: Int = 8080
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Where to keep the demo database (default: a fresh file in a temporary folder).") var database: String?
    @Flag(help: "Price and record requests without reserving or settling them on the ledger (for comparing).") var noMetering = false

    func run() async throws {
        try await reportingFailure {
            let logger = CommandLogging.bootstrap()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = try DatabaseURL(parsing: database ?? "sqlite:\(folder.appendingPathComponent("demo.db").path)")
            // Nothing reads what the demo's fakes observe; kept, every request's body stays in memory.
            let cheap = FakeProvider(style: .deepseek, keepsObservations: false)
            let premium = FakeProvider(style: .openai, keepsObservations: false)
            let anthropic = FakeProvider(style: .openai, keepsObservations: false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for fake in [cheap, premium, anthropic] {
                    let (listening, continuation) = AsyncStream<Int>.makeStream()
                    group.addTask { try await fake.run { _ in continuation.finish() } }
                    for await _ in listening {}
                }
                let adminToken = "tg-admin-" + KeySecret.generate().dropFirst(3).prefix(24)
                var configuration = try DemoCommand.gatewayConfiguration(cheap: cheap, premium: premium, anthropic: anthropic)
                configuration.host = host
                configuration.port = port
                configuration.adminToken = adminToken
                configuration.metering.enabled = !noMetering
                configuration.masterKey = try ConfigOptions.masterKey()
                let store = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
                let accounts = AccountStore(database: store)
                var organization = try await accounts.organization(named: "demo")
                if organization == nil { organization = try await accounts.createOrganization(name: "demo", currency: .usd) }
                guard let organization else { return }
                try await accounts.addCredit(Money(nanos: 10 * Money.nanosPerUnit, currency: .usd), to: organization, note: "demo credit")
                let (_, secret) = try await accounts.createKey(for: organization, name: "demo")
                let providers = configuration.providers
                try await GatewayRunner.run(configuration: configuration, database: store, logger: logger) { port in
                    let text = DemoCommand.banner(host: host, port: port, key: secret, adminToken: adminToken, database: url,
                                                  providers: providers)
                    FileHandle.standardOutput.write(Data(text.utf8 + [10]))
                }
                group.cancelAll()
            }
        }
    }

    /// Three simulated providers at their real list prices per 1M tokens — a cheap DeepSeek-style
    /// one, a premium OpenAI-style one and an Anthropic one — an `auto` route (the classifier picks
    /// cheap or premium) and a `cascade` route (cheap first, premium when its answer fails a check).
    static func gatewayConfiguration(cheap: FakeProvider, premium: FakeProvider, anthropic: FakeProvider) throws -> GatewayConfiguration {
        let deepseek = Provider(name: "sim-deepseek", kind: .openai, baseURL: cheap.baseURL, region: "cn")
        let openai = Provider(name: "sim-openai", kind: .openai, baseURL: premium.baseURL, region: "us")
        let claude = Provider(name: "sim-anthropic", kind: .anthropic, baseURL: anthropic.baseURL, region: "us")
        var models = [
            ModelDefinition(name: "deepseek-chat", provider: deepseek, tokenizer: "deepseek_v3", contextWindow: 128_000,
                            capabilities: [.tools, .json]),
            ModelDefinition(name: "gpt-4o", provider: openai, tokenizer: "o200k_base", contextWindow: 128_000,
                            capabilities: [.tools, .json, .vision]),
            ModelDefinition(name: "claude-sonnet-4-5", provider: claude, tokenizer: "claude_legacy", contextWindow: 200_000,
                            capabilities: [.tools, .vision, .reasoning]),
            ModelDefinition(name: "text-embedding-3-small", provider: openai, tokenizer: "cl100k_base", contextWindow: 8191,
                            capabilities: [.embeddings]),
        ]
        // Claude Code sends `thinking` on most requests: the cheap model drops it (and says so in
        // x-tollgate-dropped) rather than refusing, as DeepSeek's own Anthropic endpoint ignores it.
        models[0].unsupportedParameters = .drop
        var configuration = GatewayConfiguration(
            providers: [deepseek, openai, claude], models: models,
            routes: [RouteDefinition(name: "auto", policy: .auto, candidates: ["deepseek-chat", "gpt-4o"]),
                     RouteDefinition(name: "cascade", policy: .cascade, candidates: ["deepseek-chat", "gpt-4o"])],
            prices: try PriceBook.builtIn())
        // Fixed list prices rather than the catalog's, so the demo's figures stay the same.
        configuration.setPrice(try ConfigPrice(currency: .usd, input: "0.28", output: "0.42", cachedInput: "0.028"), for: models[0])
        configuration.setPrice(try ConfigPrice(currency: .usd, input: "2.50", output: "10.00", cachedInput: "1.25"), for: models[1])
        configuration.setPrice(try ConfigPrice(currency: .usd, input: "3.00", output: "15.00", cachedInput: "0.30", cacheWrite: "3.75"),
                               for: models[2])
        configuration.setPrice(try ConfigPrice(currency: .usd, input: "0.02", output: "0"), for: models[3])
        return configuration
    }

    static func banner(host: String, port: Int, key: String, adminToken: String, database: DatabaseURL,
                       providers: [Provider]) -> String {
        """

        Tollgate demo is running on http://\(host):\(port)
          models:      deepseek-chat (cheap, simulated DeepSeek), gpt-4o (premium, simulated OpenAI),
                       claude-sonnet-4-5 (premium, simulated Anthropic),
                       text-embedding-3-small (embeddings, simulated OpenAI)
          routes:      auto (a classifier picks deepseek-chat or gpt-4o),
                       cascade (deepseek-chat, then gpt-4o when its answer fails a check)
          demo org:    demo, 10.00 USD prepaid credit
          demo key:    \(key)
          admin token: \(adminToken)
          dashboard:   http://\(host):\(port)/dashboard (sign in with the admin token)
          database:    \(database)
          providers:   \(providers.map { "\($0.name) at \($0.baseURL)" }.joined(separator: ", "))

        Try it:
          curl -s http://\(host):\(port)/v1/chat/completions \\
            -H 'Authorization: Bearer \(key)' -H 'Content-Type: application/json' \\
            -d '{"model": "deepseek-chat", "messages": [{"role": "user", "content": "Hello!"}]}' -i

        Press Ctrl-C to stop.
        """
    }
}
