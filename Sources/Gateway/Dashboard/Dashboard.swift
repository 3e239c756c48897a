import HTTPTypes
import Hummingbird
import NIOCore
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/dashboard`: where the tokens go, for people — server-rendered HTML with inline SVG charts and
/// one stylesheet, no script at all.
///
/// Signing in takes the admin token in a password field and gives an HttpOnly, SameSite=Strict
/// session cookie scoped to `/dashboard`; every form that changes something carries the session's
/// CSRF token, and the sign-in form its own (a short-lived cookie matched against a hidden field).
/// Pages answer with a content security policy that allows no script and nothing from elsewhere.
struct Dashboard: Sendable {
    let gateway: Gateway

    var sessions: DashboardSessions { gateway.dashboardSessions }

    enum Tab: String, CaseIterable, Sendable {
        case overview, orgs, sessions, providers, requests, prices

        var title: String {
            switch self {
            case .overview: "Overview"
            case .orgs: "Organizations"
            case .sessions: "Sessions"
            case .providers: "Providers"
            case .requests: "Requests"
            case .prices: "Prices"
            }
        }

        var path: String { self == .overview ? "/dashboard" : "/dashboard/" + rawValue }
    }

    /// A signed-in visitor: what their forms must carry. A program that sends the admin token as
    /// `Authorization: Bearer` is one too, without a session: a browser never adds that header by
    /// itself, so its forms need no CSRF token.
    struct Viewer: Sendable {
        var session: String?
        var csrf: String
    }

    static let sessionCookie = "tollgate_session"
    static let loginCookie = "tollgate_login"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/dashboard/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: DashboardStyle.css)))
        }
        router.get("/dashboard/login") { request, _ in loginPage(request, failure: nil) }
        router.post("/dashboard/login") { request, _ in await login(request) }
        router.post("/dashboard/logout") { request, _ in
            await changing(request) { viewer, _ in
                if let session = viewer.session { sessions.end(session) }
                var response = Self.redirect("/dashboard/login")
                response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", request: request, maxAge: 0)))
                return response
            }
        }
        router.get("/dashboard") { request, _ in await page(request, .overview) { try await overview(request, viewer: $0) } }
        router.get("/dashboard/orgs") { request, _ in await page(request, .orgs) { _ in try await organizations(request) } }
        router.get("/dashboard/orgs/:org") { request, context in
            await page(request, .orgs) { try await organization(request, name: Self.pathParameter(context.parameters.get("org")), viewer: $0) }
        }
        router.post("/dashboard/keys/:id/revoke") { request, context in
            await changing(request) { _, form in
                let id = Self.pathParameter(context.parameters.get("id"))
                _ = try await gateway.accounts.revokeKey(id: id)
                let back = form["org"].map { "/dashboard/orgs/" + Self.pathComponent($0) } ?? "/dashboard/orgs"
                return Self.redirect(back)
            }
        }
        router.get("/dashboard/sessions") { request, _ in await page(request, .sessions) { _ in try await agentSessions(request) } }
        router.get("/dashboard/providers") { request, _ in await page(request, .providers) { _ in try await providers(request) } }
        router.get("/dashboard/requests") { request, _ in await page(request, .requests) { _ in try await requestLog(request) } }
        router.get("/dashboard/requests/:id") { request, context in
            await page(request, .requests) { _ in try await requestDetail(id: Self.pathParameter(context.parameters.get("id"))) }
        }
        router.get("/dashboard/prices") { request, _ in await page(request, .prices) { _ in try await prices() } }
    }

    // MARK: Pages and sign-in

    /// What a page's content function gives: its title and body.
    struct Content: Sendable {
        var title: String
        var body: HTML
    }

    /// A page for a signed-in visitor, or the way to the sign-in form.
    private func page(_ request: Request, _ tab: Tab, _ content: (Viewer) async throws -> Content) async -> Response {
        guard gateway.configuration.adminToken?.isEmpty == false else { return Self.disabled() }
        guard let viewer = viewer(request) else { return Self.redirect("/dashboard/login") }
        do {
            let content = try await content(viewer)
            return Self.html(layout(title: content.title, tab: tab, viewer: viewer, body: content.body))
        } catch let error as DashboardError {
            return Self.html(layout(title: "Not found", tab: tab, viewer: viewer, body: "<p class=\"notice\">\(error.message)</p>"),
                             status: .notFound)
        } catch {
            gateway.logger.error("dashboard page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Self.html(layout(title: "Something went wrong", tab: tab, viewer: viewer,
                                    body: "<p class=\"notice\">This page could not be read: \(String(describing: error))</p>"),
                             status: .serviceUnavailable)
        }
    }

    /// A form that changes something: only from a signed-in visitor whose form carries the session's CSRF token.
    private func changing(_ request: Request, _ action: (Viewer, [String: String]) async throws -> Response) async -> Response {
        guard gateway.configuration.adminToken?.isEmpty == false else { return Self.disabled() }
        guard let viewer = viewer(request) else { return Self.redirect("/dashboard/login") }
        guard let form = try? await Self.form(request), viewer.session == nil || form["csrf"].map({ constantTimeEqual($0, viewer.csrf) }) == true
        else {
            return Self.html(Self.bare(title: "Refused", body: """
                <p class="notice">This form's security token is missing or stale. <a href="/dashboard">Back to the dashboard</a></p>
                """), status: .forbidden)
        }
        do {
            return try await action(viewer, form)
        } catch {
            return Self.html(Self.bare(title: "Not done", body: "<p class=\"notice\">\(String(describing: error))</p>"), status: .badRequest)
        }
    }

    private func viewer(_ request: Request) -> Viewer? {
        if let token = ProxyPipeline.bearerToken(request), let expected = gateway.configuration.adminToken, !expected.isEmpty,
           constantTimeEqual(token, expected) {
            return Viewer(session: nil, csrf: "")
        }
        guard let id = Self.cookies(request)[Self.sessionCookie], let session = sessions.session(id) else { return nil }
        return Viewer(session: id, csrf: session.csrf)
    }

    private func loginPage(_ request: Request, failure: String?) -> Response {
        guard gateway.configuration.adminToken?.isEmpty == false else { return Self.disabled() }
        if failure == nil, viewer(request) != nil { return Self.redirect("/dashboard") }
        let token = DashboardSessions.token()
        let error: HTML = failure.map { "<p class=\"notice\" role=\"alert\">\($0)</p>" } ?? ""
        var response = Self.html(Self.bare(title: "Sign in", body: """
            <form method="post" action="/dashboard/login" class="login">
            \(error)
            <label for="token">Admin token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <input type="hidden" name="csrf" value="\(token)">
            <button type="submit">Sign in</button>
            </form>
            """), status: failure == nil ? .ok : .unauthorized)
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, token, request: request, maxAge: 1800)))
        return response
    }

    private func login(_ request: Request) async -> Response {
        guard let expected = gateway.configuration.adminToken, !expected.isEmpty else { return Self.disabled() }
        guard let form = try? await Self.form(request), let csrf = form["csrf"], let cookie = Self.cookies(request)[Self.loginCookie],
              constantTimeEqual(csrf, cookie) else {
            return loginPage(request, failure: "The sign-in form expired; try again.")
        }
        guard let token = form["token"], constantTimeEqual(token, expected) else {
            return loginPage(request, failure: "That is not the admin token.")
        }
        let (id, _) = sessions.start()
        var response = Self.redirect("/dashboard")
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, id, request: request,
                                                                            maxAge: Int(sessions.lifetime.components.seconds))))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, "", request: request, maxAge: 0)))
        return response
    }

    // MARK: Layout

    private func layout(title: String, tab: Tab, viewer: Viewer, body: HTML) -> HTML {
        let links = Tab.allCases.map { item -> HTML in
            item == tab ? "<a href=\"\(item.path)\" aria-current=\"page\">\(item.title)</a>" : "<a href=\"\(item.path)\">\(item.title)</a>"
        }
        return Self.document(title: title, header: """
            <header class="top">
            <a class="brand" href="/dashboard">Tollgate</a>
            <nav aria-label="Dashboard">\(links)</nav>
            <form method="post" action="/dashboard/logout" class="logout">
            <input type="hidden" name="csrf" value="\(viewer.csrf)"><button type="submit">Log out</button>
            </form>
            </header>
            """, body: body)
    }

    private static func bare(title: String, body: HTML) -> HTML {
        document(title: title, header: "<header class=\"top\"><span class=\"brand\">Tollgate</span></header>", body: body)
    }

    private static func document(title: String, header: HTML, body: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Tollgate</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/dashboard/style.css">
        </head>
        <body>
        \(header)
        <main>
        <h1>\(title)</h1>
        \(body)
        </main>
        </body>
        </html>
        """
    }

    // MARK: HTTP

    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy,
         "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        (HTTPField.Name("x-content-type-options")!, "nosniff"),
        (HTTPField.Name("referrer-policy")!, "same-origin"),
        (.cacheControl, "no-store"),
    ]

    static func html(_ page: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for (name, value) in securityHeaders { headers[name] = value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        for (name, value) in securityHeaders { headers[name] = value }
        return Response(status: .seeOther, headers: headers)
    }

    static func disabled() -> Response {
        html(bare(title: "Dashboard off", body: """
            <p class="notice">The dashboard needs the admin token: set <code>admin_token</code> in the configuration or <code>TOLLGATE_ADMIN_TOKEN</code>.</p>
            """), status: .notFound)
    }

    /// A cookie for the dashboard's paths only, out of scripts' reach and never sent from another site.
    static func cookie(_ name: String, _ value: String, request: Request, maxAge: Int) -> String {
        let secure = request.headers[HTTPField.Name("x-forwarded-proto")!] == "https" ? "; Secure" : ""
        return "\(name)=\(value); Path=/dashboard; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure)"
    }

    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await RequestBodyReader.bytes(request, limit: 1 << 16)
        return formFields(String(buffer: buffer))
    }

    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]), let value = parts.count == 2 ? percentDecoded(parts[1]) : "" else { continue }
            fields[name] = value
        }
        return fields
    }

    /// A path segment as the client meant it (Hummingbird leaves route parameters encoded).
    static func pathParameter(_ text: String?) -> String {
        guard let text else { return "" }
        return percentDecoded(Substring(text), plusIsSpace: false) ?? text
    }

    /// `+` as a space (in forms) and `%XX` as its byte; `nil` for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A name made safe for one path component of a link.
    static func pathComponent(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return encoded
    }

    /// A query value made safe for a link.
    static func queryValue(_ text: String) -> String { pathComponent(text) }
}

/// A page that does not exist: an unknown organization or request.
struct DashboardError: Error {
    var message: String
}
