import HTTPTypes
import Hummingbird
import NIOCore
import Pricing
import Providers
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Token efficiency on the request path: answers from the response cache, and prompt-cache
/// affinity's key.
extension ProxyPipeline {
    /// What keeps a request on the model its prompt is cached at: its session, else a long stable
    /// prefix (system prompt and tools). Only for routes whose order is not a judgement of the
    /// request itself (`auto` and `cascade` choose by the request; a model named directly is the
    /// client's choice).
    func affinityKey(_ admitted: AdmittedRequest, profile: PromptProfile?,
                     plan: RoutePlan) -> (key: String, subject: String)? {
        guard affinity.isEnabled, plan.route != nil, plan.candidates.count > 1,
              plan.policy != RouteDefinition.Policy.auto.rawValue, plan.policy != RouteDefinition.Policy.cascade.rawValue
        else { return nil }
        let organization = admitted.caller.organization.id
        let route = plan.route ?? ""
        if let session = admitted.session { return ("\(organization)/\(route)/session:\(session)", "session \(session)") }
        if let profile, profile.prefixIsCacheable, let prefix = profile.prefixDigest {
            return ("\(organization)/\(route)/prefix:\(prefix)", "prefix \(prefix.prefix(12))")
        }
        return nil
    }

    /// Answers from a cache entry, whole or as a stream in the client's format: no upstream call;
    /// the hit is charged the configured share of what the call would have cost (booked on the
    /// ledger when above zero), and the record keeps what it saved.
    func answerFromCache(_ entry: CachedAnswer, admitted: AdmittedRequest, plan: RoutePlan, outcome: inout RequestOutcome,
                         headers: inout HTTPFields, started: Duration, startDate: Date) async throws -> Response {
        let model = planner.model(named: entry.model) ?? plan.candidates[0]
        let limits = rateLimits(admitted.caller, session: admitted.session)
        do {
            try limiter.admit(limits, tokens: 0)
        } catch {
            throw Self.refusal(error, session: admitted.session)
        }
        let organization = admitted.caller.organization
        let saved = try? configuration.sellCost(of: BillableUsage(tokens: entry.usage), for: model, at: startDate, organization: organization)
        let charge = cache.hitCharge(saved ?? .zero(organization.currency))
        var metered: MeteredRequest?
        if charge.nanos > 0, let meter = metering.meter {
            let reservation = try await meter.reserve(requestID: outcome.record.id, key: admitted.caller.key, organization: organization,
                                                      session: admitted.session, model: model,
                                                      estimate: Meter.Estimate(tokens: 0, sell: charge), at: startDate)
            metered = MeteredRequest(configuration: configuration, organization: organization, model: model, startDate: startDate,
                                     reservation: reservation, limiter: limiter, limits: limits, admittedTokens: 0, records: records,
                                     logger: logger)
        }
        var record = outcome.record
        record.cache = "hit"
        record.status = 200
        record.streamed = admitted.streamed
        record.modelUsed = model.name
        record.provider = model.provider.name
        record.route = plan.reason + "; answered from the response cache"
        record.cost = charge
        record.providerCost = .zero(charge.currency)
        record.savedTokens = Int64(entry.usage.total)
        record.savedCost = saved
        record.finishReason = entry.response.finishReason?.rawValue
        headers[.tollgateCache] = "hit"
        headers[.tollgateModel] = model.name
        headers[.tollgateProvider] = model.provider.name
        headers[.tollgateRoute] = record.route
        headers[.tollgateAttempts] = "0"

        let format = admitted.format
        let context = AnswerContext(created: Int64(clock.date().timeIntervalSince1970), request: admitted.body, requestID: record.id)
        let costFields: [String: JSONValue] = ["cost": .double(charge.approximateUnits), "cost_currency": .string(charge.currency.code)]
        let text: String
        if admitted.streamed {
            var encoder = format.makeStreamEncoder(includeUsage: format.wantsStreamUsage(admitted.body), context: context)
            text = entry.response.streamEvents.flatMap { encoder.encode($0, usage: entry.usage, usageFields: { costFields }) }
                .map { $0.encoded() }.joined()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
        } else {
            var reply = format.clientBody(for: entry.response, usage: entry.usage, context: context)
            for (name, value) in costFields { reply["usage"]?[name] = value }
            text = reply.jsonText
            headers[.contentType] = "application/json"
            headers[.tollgateCost] = charge.description
        }
        record.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
        record.timeToFirstTokenMilliseconds = record.latencyMilliseconds
        sinks.deliver(RequestOutcome(record: record, usage: nil, metered: metered, answered: nil, fixedCharge: charge))
        outcome.record = record
        await admitted.slot?.complete(status: 200, headers: headers.map { ($0.name.canonicalName, $0.value) }, body: text)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
