import TollgateCore

/// Turns the `model` a client asked for into the model that will serve it, and says why.
struct ModelResolver: Sendable {
    let configuration: GatewayConfiguration

    struct Resolution: Sendable {
        let model: ModelDefinition
        /// Why this model: `direct`, or the route and policy that chose it.
        let reason: String
    }

    /// - Parameter currency: the payer's currency; a model priced in another is refused, since
    ///   money is never converted implicitly.
    func resolve(_ name: String, allowed: (String) -> Bool, currency: Currency) throws(GatewayError) -> Resolution {
        if let model = configuration.model(named: name) {
            guard allowed(model.name) else { throw .modelNotAllowed(name) }
            try checkPrice(of: model, in: currency)
            return Resolution(model: model, reason: "direct")
        }
        guard let route = configuration.routes.first(where: { $0.name == name }) else { throw .modelNotFound(name) }
        guard allowed(route.name) || route.candidates.contains(where: allowed) else { throw .modelNotAllowed(name) }
        let candidates = route.candidates.compactMap(configuration.model(named:))
            .filter { (allowed(route.name) || allowed($0.name)) && configuration.listPrice(of: $0)?.currency == currency }
        switch route.policy {
        case .cost:
            // The list price of 1M input plus 1M output tokens, among candidates priced in the
            // payer's currency (no silent conversion).
            guard let cheapest = candidates.min(by: { configuration.listPrice(of: $0)!.nanos < configuration.listPrice(of: $1)!.nanos })
            else { throw .modelNotAllowed(name) }
            return Resolution(model: cheapest, reason: "\(route.name): cost policy chose the cheapest of \(candidates.count) candidates")
        }
    }

    private func checkPrice(of model: ModelDefinition, in currency: Currency) throws(GatewayError) {
        guard let price = configuration.listPrice(of: model) else {
            throw GatewayError(status: 503, type: "service_unavailable", code: "model_unpriced",
                               message: "The model '\(model.name)' has no price in force, so it cannot be billed.")
        }
        guard price.currency == currency else {
            throw GatewayError(status: 403, type: "permission_error", code: "currency_mismatch",
                               message: "The model '\(model.name)' is priced in \(price.currency) and this organization is billed in \(currency); Tollgate does not convert implicitly.",
                               param: "model")
        }
    }
}
