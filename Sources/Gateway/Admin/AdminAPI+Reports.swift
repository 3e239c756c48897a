import Hummingbird
import NIOCore
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

    /// `GET /admin/export/usage?from=&to=[&org=][&format=csv|jsonl|cloudevents]`: settled usage.
    func registerExport(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("export/usage") { request, _ in
            let query = request.uri.queryParameters
            guard let format = UsageExport.Format(rawValue: query["format"].map(String.init) ?? "csv") else {
                return try await guarded(request) {
                    throw GatewayError.badRequest("'format' must be csv, jsonl or cloudevents", param: "format")
                }
            }
            var scope: (organization: String?, from: Date, to: Date)?
            let checked = try await guarded(request) {
                let (from, to) = try AdminInput.period(query["from"], query["to"])
                var organizationID: String?
                if let name = query["org"].map(String.init) {
                    guard let organization = try await gateway.accounts.organization(named: name) else {
                        throw GatewayError.notFound("no organization '\(name)'")
                    }
                    organizationID = organization.id
                }
                scope = (organizationID, from, to)
                return [:]
            }
            guard let scope else { return checked }
            // Written a page at a time, so a month of records never sits in memory whole.
            let (records, logger) = (gateway.requestRecords, gateway.logger)
            return Response(status: .ok, headers: [.contentType: format.contentType], body: ResponseBody { writer in
                if let header = UsageExport.header(format) { try await writer.write(ByteBuffer(string: header)) }
                do {
                    try await records.forEachPage(organizationID: scope.organization, from: scope.from, to: scope.to) { page in
                        try await writer.write(ByteBuffer(string: UsageExport.lines(page, format: format)))
                    }
                } catch {
                    logger.error("usage export failed part way", metadata: ["error": "\(error)"])
                    throw error
                }
                try await writer.finish(nil)
            })
        }
    }

    /// `?org=&from=&to=`: the organization (by id or name) and the period.
    private func reportScope(_ request: Request) async throws -> (Organization, Date, Date) {
        let query = request.uri.queryParameters
        guard let name = query["org"].map(String.init), !name.isEmpty else { throw GatewayError.badRequest("'org' is required", param: "org") }
        guard let organization = try await gateway.accounts.organization(named: name) else {
            throw GatewayError.notFound("no organization '\(name)'")
        }
        let (from, to) = try AdminInput.period(query["from"], query["to"])
        return (organization, from, to)
    }
}
