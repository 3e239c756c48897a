import Ledger
import Storage

/// The gateway's schema: every migration of the tables it owns (organizations, keys, teams,
/// budgets, packages, request records, rate sharing, idempotency) and the ledger's, in version
/// order. What `tollgate serve`, `demo` and `migrate` open a database with.
public enum GatewaySchema {
    public static let migrations: [Migration] = [
        accounts, LedgerSchema.migration, metering, rateSharing, idempotency, endUsersAndTags, routes, storedResponses, readiness,
        efficiency, rollups, anomalyAlerts, keyRotation, concurrentRequests, providerSecrets,
    ]

    /// Organizations, keys, credit and request records.
    static let accounts = Migration(version: 1, name: "organizations, keys, credits, request records", statements: [
        """
        CREATE TABLE organizations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            currency TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            name TEXT,
            team TEXT,
            key_hash TEXT NOT NULL UNIQUE,
            key_hint TEXT NOT NULL,
            allowed_models TEXT,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        )
        """,
        "CREATE INDEX api_keys_org ON api_keys(org_id)",
        """
        CREATE TABLE credit_grants (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            amount_nanos BIGINT NOT NULL,
            currency TEXT NOT NULL,
            note TEXT,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX credit_grants_org ON credit_grants(org_id)",
        """
        CREATE TABLE request_records (
            id TEXT PRIMARY KEY,
            key_id TEXT,
            org_id TEXT,
            model_requested TEXT,
            model_used TEXT,
            provider TEXT,
            status INTEGER NOT NULL,
            streamed INTEGER NOT NULL,
            input_tokens BIGINT NOT NULL,
            cached_input_tokens BIGINT NOT NULL,
            cache_write_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            cost_nanos BIGINT NOT NULL,
            currency TEXT,
            usage_source TEXT NOT NULL,
            latency_ms BIGINT NOT NULL,
            ttft_ms BIGINT,
            error TEXT,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX request_records_org_time ON request_records(org_id, created_at)",
    ])
}
extension GatewaySchema {
    /// Metering: teams and their rate limits, key rate limits, organization price lists, budgets
    /// and their alerts, token packages, and what request records say about sessions and
    /// settlement.
    static let metering = Migration(version: 3, name: "metering: teams, budgets, packages, sessions", statements: [
        "ALTER TABLE organizations ADD COLUMN markup_bp BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE organizations ADD COLUMN price_list TEXT",
        "ALTER TABLE api_keys ADD COLUMN rpm BIGINT",
        "ALTER TABLE api_keys ADD COLUMN tpm BIGINT",
        """
        CREATE TABLE teams (
            org_id TEXT NOT NULL REFERENCES organizations(id),
            name TEXT NOT NULL,
            rpm BIGINT,
            tpm BIGINT,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (org_id, name)
        )
        """,
        """
        CREATE TABLE budgets (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            scope TEXT NOT NULL,
            subject TEXT NOT NULL,
            amount_nanos BIGINT NOT NULL,
            currency TEXT NOT NULL,
            period TEXT NOT NULL,
            hard INTEGER NOT NULL,
            thresholds TEXT NOT NULL,
            webhook_url TEXT,
            created_at BIGINT NOT NULL,
            deleted_at BIGINT
        )
        """,
        "CREATE INDEX budgets_org ON budgets(org_id)",
        """
        CREATE TABLE budget_alerts (
            budget_id TEXT NOT NULL,
            period_start BIGINT NOT NULL,
            threshold INTEGER NOT NULL,
            spent_nanos BIGINT NOT NULL,
            fired_at BIGINT NOT NULL,
            delivered_at BIGINT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            PRIMARY KEY (budget_id, period_start, threshold)
        )
        """,
        """
        CREATE TABLE token_packages (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            owner TEXT NOT NULL,
            model TEXT NOT NULL,
            tokens BIGINT NOT NULL,
            price_nanos BIGINT NOT NULL,
            currency TEXT NOT NULL,
            expires_at BIGINT,
            created_at BIGINT NOT NULL
        )
        """,
        "ALTER TABLE request_records ADD COLUMN team TEXT",
        "ALTER TABLE request_records ADD COLUMN session_id TEXT",
        "ALTER TABLE request_records ADD COLUMN provider_cost_nanos BIGINT",
        "ALTER TABLE request_records ADD COLUMN package_tokens BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN reserved_nanos BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN settlement TEXT",
        "CREATE INDEX request_records_session ON request_records(org_id, session_id)",
    ])
}

extension GatewaySchema {
    /// Rate-limit usage each replica shares with the others: its last minute's requests and
    /// tokens per limited subject, refreshed a few times a second.
    static let rateSharing = Migration(version: 4, name: "rate limits shared across replicas", statements: [
        """
        CREATE TABLE rate_usage (
            subject TEXT NOT NULL,
            replica TEXT NOT NULL,
            requests BIGINT NOT NULL,
            tokens BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (subject, replica)
        )
        """,
    ])
}

extension GatewaySchema {
    /// Client retries with an `idempotency-key`: the first request's answer, replayed to the rest.
    static let idempotency = Migration(version: 5, name: "idempotency keys", statements: [
        """
        CREATE TABLE idempotent_requests (
            org_id TEXT NOT NULL,
            idem_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            request_id TEXT NOT NULL,
            state TEXT NOT NULL,
            status INTEGER,
            headers TEXT,
            body TEXT,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (org_id, idem_key)
        )
        """,
    ])
}

extension GatewaySchema {
    /// Who a request was for (`x-tollgate-user`) and its tags (`x-tollgate-tags`), in its record.
    static let endUsersAndTags = Migration(version: 6, name: "request records: end user and tags", statements: [
        "ALTER TABLE request_records ADD COLUMN end_user TEXT",
        "ALTER TABLE request_records ADD COLUMN tags TEXT",
    ])
}

extension GatewaySchema {
    /// Why each request went where it went, and every upstream call made for it; the provider
    /// regions keys and organizations may reach.
    static let routes = Migration(version: 7, name: "routes, attempts and regions", statements: [
        "ALTER TABLE request_records ADD COLUMN route TEXT",
        "ALTER TABLE request_records ADD COLUMN attempts TEXT",
        "ALTER TABLE api_keys ADD COLUMN regions TEXT",
        "ALTER TABLE organizations ADD COLUMN regions TEXT",
    ])
}

extension GatewaySchema {
    /// Responses kept for `previous_response_id` and `GET /v1/responses/{id}`, per organization.
    static let storedResponses = Migration(version: 8, name: "stored responses", statements: [
        """
        CREATE TABLE stored_responses (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            key_id TEXT,
            input TEXT NOT NULL,
            response TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX stored_responses_expiry ON stored_responses(expires_at)",
    ])
}

extension GatewaySchema {
    /// The row `GET /ready` writes to prove the database takes writes.
    static let readiness = Migration(version: 9, name: "readiness check", statements: [
        "CREATE TABLE readiness (id INTEGER PRIMARY KEY, checked_at BIGINT NOT NULL)",
    ])
}

extension GatewaySchema {
    /// The response cache, and what the waste and savings reports read from request records: the
    /// cache outcome and its saving, the prompt's digest and its stable prefix's, how the answer
    /// finished, and the prompt's size by part.
    static let efficiency = Migration(version: 10, name: "response cache and efficiency", statements: [
        """
        CREATE TABLE response_cache (
            cache_key TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            answer TEXT NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            input_tokens BIGINT NOT NULL,
            cached_input_tokens BIGINT NOT NULL,
            cache_write_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            last_used_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX response_cache_used ON response_cache(last_used_at)",
        "ALTER TABLE api_keys ADD COLUMN cache_ttl_seconds BIGINT",
        "ALTER TABLE request_records ADD COLUMN cache TEXT",
        "ALTER TABLE request_records ADD COLUMN saved_tokens BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN saved_nanos BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN prompt_hash TEXT",
        "ALTER TABLE request_records ADD COLUMN prefix_hash TEXT",
        "ALTER TABLE request_records ADD COLUMN finish_reason TEXT",
        "ALTER TABLE request_records ADD COLUMN prompt_bytes BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN system_bytes BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN tool_bytes BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE request_records ADD COLUMN tool_output_bytes BIGINT NOT NULL DEFAULT 0",
    ])
}

extension GatewaySchema {
    /// Provider API keys set through the admin API, sealed with AES-GCM under the master key.
    static let providerSecrets = Migration(version: 15, name: "provider secrets", statements: [
        """
        CREATE TABLE provider_secrets (
            provider TEXT PRIMARY KEY,
            sealed TEXT NOT NULL,
            master_key_id TEXT NOT NULL,
            key_hint TEXT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
    ])

    /// A key's limit on requests in flight at once.
    static let concurrentRequests = Migration(version: 14, name: "concurrent requests per key", statements: [
        "ALTER TABLE api_keys ADD COLUMN max_concurrent BIGINT",
    ])

    /// A rotated key's previous secret, accepted until its grace period ends.
    static let keyRotation = Migration(version: 13, name: "key rotation", statements: [
        """
        CREATE TABLE api_key_previous (
            key_hash TEXT PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES api_keys(id),
            expires_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX api_key_previous_key ON api_key_previous(key_id)",
    ])

    /// Budget alerts for runaway spending keep the usual hour they were judged against.
    static let anomalyAlerts = Migration(version: 12, name: "anomaly alerts", statements: [
        "ALTER TABLE budget_alerts ADD COLUMN baseline_nanos BIGINT",
    ])

    /// Hourly and daily (UTC) totals per organization × team × key × model × provider × route
    /// (what the client asked for) × currency, kept as records are written: what
    /// `/admin/analytics`, burn rates and runways read instead of the records. Filled from the
    /// records already there.
    static let rollups = Migration(version: 11, name: "hourly and daily usage rollups",
                                   statements: rollupTable("usage_hourly", bucket: "hour", milliseconds: 3_600_000) + [
        // Filters without an organization (a model's or a key's traffic) read a range of these.
        "CREATE INDEX usage_hourly_model ON usage_hourly(model, hour)",
        "CREATE INDEX usage_hourly_key ON usage_hourly(key_id, hour)",
    ] + rollupTable("usage_daily", bucket: "day", milliseconds: 86_400_000))

    /// A rollup table whose rows are `bucket`s of `milliseconds`, filled from the records.
    private static func rollupTable(_ table: String, bucket: String, milliseconds: Int64) -> [String] {
        let summed = UsageRollup.summed.map { "\($0) BIGINT NOT NULL," }.joined(separator: "\n    ")
        return [
            """
            CREATE TABLE \(table) (
                org_id TEXT NOT NULL,
                \(bucket) BIGINT NOT NULL,
                team TEXT NOT NULL,
                key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                provider TEXT NOT NULL,
                route TEXT NOT NULL,
                currency TEXT NOT NULL,
                \(summed)
                PRIMARY KEY (org_id, \(bucket), team, key_id, model, provider, route, currency)
            )
            """,
            """
            INSERT INTO \(table) (org_id, \(bucket), team, key_id, model, provider, route, currency, \(UsageRollup.summed.joined(separator: ", ")))
            SELECT org_id, (created_at / \(milliseconds)) * \(milliseconds), COALESCE(team, ''), COALESCE(key_id, ''),
                COALESCE(model_used, model_requested, ''), COALESCE(provider, ''), COALESCE(model_requested, ''), COALESCE(currency, ''),
                COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(CASE WHEN cache = 'hit' THEN 1 ELSE 0 END),
                SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens),
                SUM(cost_nanos), SUM(COALESCE(provider_cost_nanos, 0)), SUM(saved_nanos)
            FROM request_records WHERE org_id IS NOT NULL
            GROUP BY org_id, (created_at / \(milliseconds)) * \(milliseconds), COALESCE(team, ''), COALESCE(key_id, ''),
                COALESCE(model_used, model_requested, ''), COALESCE(provider, ''), COALESCE(model_requested, ''), COALESCE(currency, '')
            """,
        ]
    }
}
