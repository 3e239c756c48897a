import Hummingbird
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/admin/reports/…`: the waste and savings reports of an organization for a period.
extension AdminAPI {
    func registerReports(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("reports/waste") { request, _ in
            try await guarded(request) {
                let (organization, from, to) = try await reportScope(request)
                let records = try await gateway.requestRecords.records(organizationID: organization.id, from: from, to: to)
                return WasteReport.build(records: records, organization: organization, configuration: gateway.configuration, from: from, to: to).json
            }
        }
        admin.get("reports/savings") { request, _ in
            try await guarded(request) {
                let (organization, from, to) = try await reportScope(request)
                let records = try await gateway.requestRecords.records(organizationID: organization.id, from: from, to: to)
                return SavingsReport.build(records: records, organization: organization, configuration: gateway.configuration, from: from, to: to).json
            }
        }
    }

    /// `?org=&from=&to=`: the organization (by id or name) and the period.
    private func reportScope(_ request: Request) async throws -> (Organization, Date, Date) {
        let query = request.uri.queryParameters
        guard let name = query["org"].map(String.init), !name.isEmpty else { throw GatewayError.badRequest("'org' is required", param: "org") }
        guard let organization = try await gateway.accounts.organization(named: name) else {
            throw GatewayError.notFound("no organization '\(name)'")
        }
        guard let fromText = query["from"], let toText = query["to"],
              let from = AdminInput.instant(String(fromText)), let to = AdminInput.instant(String(toText)), from < to else {
            throw GatewayError.badRequest("'from' and 'to' must be dates such as 2026-11-01, 'from' before 'to'", param: "from")
        }
        return (organization, from, to)
    }
}
