import AsyncHTTPClient
import Foundation
@testable import Gateway
import NIOCore
import NIOHTTP1
import Storage
import Testing
import TollgateCore
import TollgateTesting

@Suite struct DashboardTests {
    static let token = "admin-secret-token"

    /// A browser's view of the dashboard: no redirects followed, cookies kept by hand.
    struct Visitor {
        let harness: GatewayHarness
        let client: HTTPClient
        var cookies: [String: String] = [:]

        func send(_ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil) async throws -> GatewayHarness.Reply {
            var request = HTTPClientRequest(url: harness.baseURL + path)
            request.method = method
            let cookie = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            if !cookie.isEmpty { request.headers.add(name: "cookie", value: cookie) }
            if let form {
                request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
                let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
        }

        /// Takes the cookies a reply sets (an empty value removes one).
        mutating func keep(_ reply: GatewayHarness.Reply) {
            for header in reply.headers["set-cookie"] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = pair.count == 2 ? String(pair[1]) : ""
                cookies[String(pair[0])] = value.isEmpty ? nil : value
            }
        }

        mutating func signIn(with token: String = DashboardTests.token) async throws -> GatewayHarness.Reply {
            let form = try await send(.GET, "/dashboard/login")
            keep(form)
            let reply = try await send(.POST, "/dashboard/login", form: [("token", token), ("csrf", DashboardTests.hidden("csrf", in: form.body) ?? "")])
            keep(reply)
            return reply
        }
    }

    static func hidden(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    func withVisitor(_ body: @Sendable (inout Visitor) async throws -> Void) async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness in
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            var visitor = Visitor(harness: harness, client: client)
            do {
                try await body(&visitor)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    @Test func aVisitorWithoutASessionIsSentToTheSignInFormWhichAsksForTheTokenInAPasswordField() async throws {
        try await withVisitor { visitor in
            for path in ["/dashboard", "/dashboard/orgs", "/dashboard/orgs/acme", "/dashboard/requests", "/dashboard/prices"] {
                let reply = try await visitor.send(.GET, path)
                #expect(reply.status == 303, "\(path)")
                #expect(reply.headers["location"].first == "/dashboard/login")
            }
            let form = try await visitor.send(.GET, "/dashboard/login")
            #expect(form.status == 200)
            #expect(form.body.contains(#"<input id="token" name="token" type="password""#))
            #expect(form.body.contains(#"<label for="token">Admin token</label>"#))
            let cookie = try #require(form.headers["set-cookie"].first)
            #expect(cookie.hasPrefix("tollgate_login=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(form.headers["content-security-policy"].first?.contains("default-src 'none'") == true)
        }
    }

    @Test func theAdminTokenSignsInWithAnHttpOnlyStrictSessionCookieAndAWrongTokenDoesNot() async throws {
        try await withVisitor { visitor in
            let wrong = try await visitor.signIn(with: "guess")
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("That is not the admin token."))
            #expect(visitor.cookies["tollgate_session"] == nil)

            // The sign-in form's own token must match its cookie (no sign-in forged from elsewhere).
            let stranger = Visitor(harness: visitor.harness, client: visitor.client)
            let forged = try await stranger.send(.POST, "/dashboard/login", form: [("token", Self.token), ("csrf", "made-up")])
            #expect(forged.status == 401)
            #expect(forged.body.contains("expired"))

            let signedIn = try await visitor.signIn()
            #expect(signedIn.status == 303)
            #expect(signedIn.headers["location"].first == "/dashboard")
            let cookie = try #require(signedIn.headers["set-cookie"].first { $0.hasPrefix("tollgate_session=") })
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=43200"] { #expect(cookie.contains(attribute)) }
            #expect(try await visitor.send(.GET, "/dashboard").status == 200)
        }
    }

    @Test func formsThatChangeSomethingNeedTheSessionsCSRFToken() async throws {
        try await withVisitor { visitor in
            _ = try await visitor.signIn()
            let harness = visitor.harness
            let keys = try await harness.gateway.accounts.keys(of: harness.organization)
            let id = try #require(keys.first?.id)
            let page = try await visitor.send(.GET, "/dashboard/orgs/acme")
            let csrf = try #require(Self.hidden("csrf", in: page.body))

            for forged in [[], [("csrf", "not-it")], [("csrf", csrf + "x")]] {
                #expect(try await visitor.send(.POST, "/dashboard/keys/\(id)/revoke", form: forged + [("org", "acme")]).status == 403)
                #expect(try await visitor.send(.POST, "/dashboard/logout", form: forged).status == 403)
            }
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status == 200)

            let revoked = try await visitor.send(.POST, "/dashboard/keys/\(id)/revoke", form: [("csrf", csrf), ("org", "acme")])
            #expect(revoked.status == 303)
            #expect(revoked.headers["location"].first == "/dashboard/orgs/acme")
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status == 401)

            let out = try await visitor.send(.POST, "/dashboard/logout", form: [("csrf", csrf)])
            #expect(out.status == 303)
            #expect(out.headers["set-cookie"].first?.contains("Max-Age=0") == true)
            // The session is over on the server, whatever the browser keeps.
            #expect(try await visitor.send(.GET, "/dashboard").status == 303)
        }
    }

    @Test func everyPageShowsTheFiguresOfKnownTrafficAsMarkupNotEscapedText() async throws {
        try await withVisitor { visitor in
            let harness = visitor.harness
            for (session, model) in [("plan-1", "cheap"), ("plan-1", "cheap"), ("plan-2", "premium")] {
                let reply = try await harness.post(json: GatewayHarness.chat(model), headers: [("x-tollgate-session", session),
                                                                                              ("x-tollgate-user", "<b>ann</b>")])
                #expect(reply.status == 200)
            }
            let records = try await harness.records()
            #expect(records.count == 3)
            let total = records.reduce(Int64(0)) { $0 + ($1.cost?.nanos ?? 0) }
            _ = try await visitor.signIn()

            var pages: [String: String] = [:]
            for path in ["/dashboard", "/dashboard/orgs", "/dashboard/orgs/acme", "/dashboard/sessions", "/dashboard/providers",
                         "/dashboard/requests", "/dashboard/requests?session=plan-1&status=ok", "/dashboard/requests/\(records[0].id)",
                         "/dashboard/prices"] {
                let reply = try await visitor.send(.GET, path)
                #expect(reply.status == 200, "\(path)")
                #expect(reply.headers["content-type"].first == "text/html; charset=utf-8")
                // The page's own markup is never escaped into text.
                for escaped in ["&lt;div", "&lt;table", "&lt;svg", "&lt;p", "&lt;tr", "&lt;figure", "&lt;section"] {
                    #expect(!reply.body.contains(escaped), "\(path) shows \(escaped)")
                }
                pages[path] = reply.body
            }
            let overview = try #require(pages["/dashboard"])
            #expect(overview.contains(#"<strong id="total-requests-USD">3</strong>"#))
            #expect(overview.contains("<strong id=\"total-cost-USD\">\(Money(nanos: total, currency: .usd).readable) USD</strong>"))
            let today = Dashboard.day(Timestamp.milliseconds(Date()) / 86_400_000 * 86_400_000)
            #expect(overview.contains("data-label=\"\(today)\" data-value=\"\(String(Double(total) / 1e9))\""))
            #expect(try #require(pages["/dashboard/sessions"]).contains(">plan-1</a>"))
            #expect(try #require(pages["/dashboard/requests?session=plan-1&status=ok"]).components(separatedBy: "<tr class=\"answered\">").count == 3)
            // A name someone chose is text.
            let detail = try #require(pages["/dashboard/requests/\(records[0].id)"])
            #expect(detail.contains("&lt;b&gt;ann&lt;/b&gt;") && !detail.contains("<b>ann</b>"))
            #expect(try #require(pages["/dashboard/prices"]).contains("<th scope=\"row\">cheap</th>"))
            #expect(try #require(pages["/dashboard/providers"]).contains("<th scope=\"row\">fake</th>"))
            #expect(try #require(pages["/dashboard/orgs/acme"]).contains("id=\"runway\""))
            #expect(try await visitor.send(.GET, "/dashboard/orgs/nobody").status == 404)
            // A name with a space is found from its link.
            _ = try await harness.gateway.accounts.createOrganization(name: "Acme Corp", currency: .eur)
            let orgs = try await visitor.send(.GET, "/dashboard/orgs")
            #expect(orgs.body.contains("href=\"/dashboard/orgs/Acme%20Corp\""))
            let spaced = try await visitor.send(.GET, "/dashboard/orgs/Acme%20Corp")
            #expect(spaced.status == 200 && spaced.body.contains("<h1>Acme Corp</h1>"))
        }
    }

    @Test func aProgramMayUseTheDashboardWithTheAdminTokenAsABearerToken() async throws {
        try await withVisitor { visitor in
            let harness = visitor.harness
            let page = try await harness.get("/dashboard/prices", token: Self.token)
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"prices\""))
            #expect(try await harness.get("/dashboard/prices", token: "guess").status == 200)  // followed to the sign-in form
            let id = try #require(try await harness.gateway.accounts.keys(of: harness.organization).first?.id)
            var request = HTTPClientRequest(url: harness.baseURL + "/dashboard/keys/\(id)/revoke")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(Self.token)")
            #expect(try await visitor.client.execute(request, timeout: .seconds(30)).status == .seeOther)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status == 401)
        }
    }

    @Test func theDashboardIsOffWithoutAnAdminToken() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.get("/dashboard/login")
            #expect(reply.status == 404)
            #expect(reply.body.contains("admin_token"))
        }
    }

    @Test func textInterpolatedIntoHTMLIsEscapedAndMarkupIsNot() {
        let name = #"<script>alert("x") & 'y'</script>"#
        let inner: HTML = "<b>\(name)</b>"
        let page: HTML = "<p>\(inner) \(42) \(2.25)</p>"
        #expect(page.text == "<p><b>&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;</b> 42 2.3</p>")
        // A quote with a combining mark is one character but still a quote to the browser.
        let combined: HTML = "<input value=\"\("\"\u{301} onfocus=x")\">"
        #expect(combined.text == "<input value=\"&quot;\u{301} onfocus=x\">")
    }

    @Test func formFieldsArePercentDecodedAndMalformedEscapesDropped() {
        let fields = Dashboard.formFields("token=a%2Bb+c&csrf=x%3D%3D&bad=%zz&empty=")
        #expect(fields["token"] == "a+b c")
        #expect(fields["csrf"] == "x==")
        #expect(fields["bad"] == nil)
        #expect(fields["empty"] == "")
        #expect(Dashboard.pathComponent("a b/ü") == "a%20b%2F%C3%BC")
    }

    @Test func chartScalesEndAtOneTwoTwoAndAHalfOrFiveTimesAPowerOfTen() {
        for (value, scale) in [(0, 1), (0.00023, 0.00025), (7, 10), (120, 200), (5000, 5000), (5001, 10_000)] {
            #expect(abs(Charts.niceCeiling(value) - scale) < scale * 1e-9, "\(value)")
        }
    }

    @Test func aSessionIsARunawayAboveFiveTimesTheMedianSessionWhenThereAreFourToJudgeBy() {
        #expect(Dashboard.runawayThreshold([1, 2, 3]) == nil)
        #expect(Dashboard.runawayThreshold([10, 20, 30, 400]) == 125)
        #expect(Dashboard.runawayThreshold([0, 0, 0, 9]) == nil)
    }
}
