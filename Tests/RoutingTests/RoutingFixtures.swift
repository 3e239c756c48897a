import Pricing
import Providers
import Routing
import TollgateCore

enum RoutingFixtures {
    static func model(_ name: String, provider: String? = nil, region: String? = "us", capabilities: Set<Capability> = [],
                      contextWindow: Int? = nil, fallbacks: [String] = []) -> ModelDefinition {
        ModelDefinition(name: name, provider: Provider(name: provider ?? "p-\(name)", kind: .openai, baseURL: "http://127.0.0.1:9/v1",
                                                       region: region),
                        contextWindow: contextWindow, capabilities: capabilities, fallbacks: fallbacks)
    }

    /// Per 1M tokens, in whole USD.
    static func quote(_ input: Int64, _ output: Int64, _ currency: Currency = .usd) -> ModelQuote {
        ModelQuote(input: Money(nanos: input * Money.nanosPerUnit, currency: currency),
                   output: Money(nanos: output * Money.nanosPerUnit, currency: currency))
    }
}
