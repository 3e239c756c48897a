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

/// A generator that gives the same numbers every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
