/// Turns the `model` a client asked for into the model that will serve it, and says why.
struct ModelResolver: Sendable {
    let configuration: GatewayConfiguration

    struct Resolution: Sendable {
        let model: ModelDefinition
        /// Why this model: `direct`, or the route and policy that chose it.
        let reason: String
    }

    func resolve(_ name: String, allowed: (String) -> Bool) throws(GatewayError) -> Resolution {
        if let model = configuration.model(named: name) {
            guard allowed(model.name) else { throw .modelNotAllowed(name) }
            return Resolution(model: model, reason: "direct")
        }
        guard let route = configuration.routes.first(where: { $0.name == name }) else { throw .modelNotFound(name) }
        guard allowed(route.name) || route.candidates.contains(where: allowed) else { throw .modelNotAllowed(name) }
        let candidates = route.candidates.compactMap(configuration.model(named:)).filter { allowed(route.name) || allowed($0.name) }
        switch route.policy {
        case .cost:
            // The list price of 1M input plus 1M output tokens. Prices in different currencies are
            // not converted silently: candidates are compared within the first candidate's currency.
            let currency = candidates.lazy.compactMap { configuration.listPrice(of: $0)?.currency }.first
            let comparable = candidates.filter { configuration.listPrice(of: $0)?.currency == currency }
            guard let cheapest = comparable.min(by: { configuration.listPrice(of: $0)!.nanos < configuration.listPrice(of: $1)!.nanos })
            else { throw .modelNotAllowed(name) }
            return Resolution(model: cheapest, reason: "\(route.name): cost policy chose the cheapest of \(candidates.count) candidates")
        }
    }
}
