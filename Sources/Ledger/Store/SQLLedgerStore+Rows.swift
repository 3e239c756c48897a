import SQLKit
import Storage
import TollgateCore

/// Reading and writing the ledger's rows.
extension SQLLedgerStore {
    /// The most bound parameters one statement carries: under SQLite's 32,766 and PostgreSQL's
    /// 65,535, and large enough that a whole group usually goes in one statement per table (each
    /// statement is a round trip between threads).
    static let parameterLimit = 16_000

    static func lockChain(_ sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE ledger_chain SET seq = seq WHERE id = 1").run()
    }

    /// Locks the chain head and reads it in one statement (`RETURNING`: SQLite 3.35+, PostgreSQL).
    static func lockChainHead(_ sql: any SQLDatabase) async throws -> (sequence: Int64, hash: String) {
        guard let row = try await sql.raw("UPDATE ledger_chain SET seq = seq WHERE id = 1 RETURNING seq, hash").first() else {
            throw StorageError.corrupt("ledger_chain has no head row")
        }
        return (try row.decode(column: "seq", as: Int64.self), try row.decode(column: "hash", as: String.self))
    }

    static func chainHead(_ sql: any SQLDatabase) async throws -> (sequence: Int64, hash: String) {
        guard let row = try await sql.raw("SELECT seq, hash FROM ledger_chain WHERE id = 1").first() else {
            throw StorageError.corrupt("ledger_chain has no head row")
        }
        return (try row.decode(column: "seq", as: Int64.self), try row.decode(column: "hash", as: String.self))
    }

    /// `column` is one of `values`, in as few statements as the database allows: on PostgreSQL one
    /// array parameter (`= ANY($1)`: less to parse, plan and bind for each group commit), on SQLite
    /// `IN (…)` lists of at most `parameterLimit` parameters.
    static func isIn(_ column: String, _ values: [String], _ sql: any SQLDatabase) -> [SQLQueryString] {
        if values.isEmpty { return [] }
        if sql.dialect.name == "postgresql" { return ["\(ident: column) = ANY(\(bind: values))"] }
        return values.chunked(parameterLimit).map { "\(ident: column) IN (\(binds: Array($0)))" }
    }

    static func loadAccounts(_ ids: Set<String>, _ sql: any SQLDatabase) async throws -> [String: Account] {
        var found: [String: Account] = [:]
        for condition in isIn("id", Array(ids), sql) {
            for row in try await sql.raw("SELECT * FROM ledger_accounts WHERE \(condition)").all() {
                let account = try account(from: row)
                found[account.id] = account
            }
        }
        return found
    }

    static func loadTransfers(_ ids: Set<TimeOrderedID>, _ sql: any SQLDatabase) async throws -> [TimeOrderedID: Transfer] {
        var found: [TimeOrderedID: Transfer] = [:]
        for condition in isIn("id", ids.map(\.description), sql) {
            for row in try await sql.raw("SELECT * FROM ledger_transfers WHERE \(condition)").all() {
                let transfer = try transfer(from: row)
                found[transfer.id] = transfer
            }
        }
        return found
    }

    static func loadResolutions(_ pendingIDs: Set<TimeOrderedID>, _ sql: any SQLDatabase) async throws -> [TimeOrderedID: Transfer.Phase] {
        var found: [TimeOrderedID: Transfer.Phase] = [:]
        for condition in isIn("pending_id", pendingIDs.map(\.description), sql) {
            for row in try await sql.raw("SELECT pending_id, phase FROM ledger_transfers WHERE \(condition)").all() {
                let text = try row.decode(column: "pending_id", as: String.self)
                let phaseText = try row.decode(column: "phase", as: String.self)
                guard let id = TimeOrderedID(text), let phase = Transfer.Phase(rawValue: phaseText) else {
                    throw StorageError.corrupt("ledger_transfers has a bad pending_id '\(text)' or phase '\(phaseText)'")
                }
                found[id] = phase
            }
        }
        return found
    }

    static func insert(_ transfers: [Transfer], _ sql: any SQLDatabase) async throws {
        try await insertBare(transfers, into: "ledger_transfers", sql)
    }

    /// INSERTs transfer rows as they are, into `table` (the ledger's, or the benchmark's reference copy).
    @_spi(Benchmarks) public static func insertBare(_ transfers: [Transfer], into table: String, _ sql: any SQLDatabase) async throws {
        for chunk in transfers.chunked(parameterLimit / 13) {
            var insert = sql.insert(into: table).columns(
                "seq", "id", "debit_account_id", "credit_account_id", "amount", "phase", "pending_id",
                "timeout_ms", "timeout_at", "code", "reference", "created_at", "hash")
            for t in chunk {
                insert = insert.values([
                    SQLBind(t.sequence), SQLBind(t.id.description), SQLBind(t.debitAccountID), SQLBind(t.creditAccountID),
                    SQLBind(t.amount), SQLBind(t.phase.rawValue), bind(t.pendingID?.description),
                    bind(t.timeoutMilliseconds), bind(t.timeoutAt), SQLBind(t.code.rawValue), bind(t.reference),
                    SQLBind(t.timestamp), SQLBind(t.hash),
                ])
            }
            try await insert.run()
        }
    }

    /// Writes accounts' counters, many accounts per statement: on PostgreSQL one `UPDATE … FROM
    /// unnest(…)` with an array per column; on SQLite (3.33+) `UPDATE … FROM (VALUES …)`, naming
    /// the VALUES columns column1, column2, ….
    static func updateCounters(_ accounts: [Account], _ sql: any SQLDatabase) async throws {
        if sql.dialect.name == "postgresql" {
            // Five array parameters instead of five per account.
            try await sql.raw("""
                UPDATE ledger_accounts SET debits_pending = v.dp, debits_posted = v.dq, credits_pending = v.cp, credits_posted = v.cq
                FROM unnest(\(bind: accounts.map(\.id))::text[], \(bind: accounts.map(\.debitsPending))::bigint[],
                            \(bind: accounts.map(\.debitsPosted))::bigint[], \(bind: accounts.map(\.creditsPending))::bigint[],
                            \(bind: accounts.map(\.creditsPosted))::bigint[]) AS v(id, dp, dq, cp, cq)
                WHERE ledger_accounts.id = v.id
                """).run()
            return
        }
        for chunk in accounts.chunked(parameterLimit / 5) {
            var rows = SQLQueryString("")
            for (index, a) in chunk.enumerated() {
                if index > 0 { rows.appendLiteral(", ") }
                rows.appendInterpolation(unsafeRaw: "(")
                rows.appendInterpolation(bind: a.id)
                for value in [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted] {
                    rows.appendLiteral(", ")
                    rows.appendInterpolation(bind: value)
                }
                rows.appendLiteral(")")
            }
            try await sql.raw("""
                UPDATE ledger_accounts SET debits_pending = v.column2, debits_posted = v.column3,
                    credits_pending = v.column4, credits_posted = v.column5
                FROM (VALUES \(rows)) AS v WHERE ledger_accounts.id = v.column1
                """).run()
        }
    }

    static func bind<T: Encodable & Sendable>(_ value: T?) -> any SQLExpression {
        value.map { SQLBind($0) } ?? SQLLiteral.null
    }

    static func account(from row: any SQLRow) throws -> Account {
        let id = try row.decode(column: "id", as: String.self)
        let ownerKindText = try row.decode(column: "owner_kind", as: String.self)
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let ownerKind = AccountOwner.Kind(rawValue: ownerKindText), let kind = AccountKind(rawValue: kindText) else {
            throw StorageError.corrupt("account '\(id)' has an unknown owner kind '\(ownerKindText)' or kind '\(kindText)'")
        }
        var account = Account(
            id: id, unit: try row.decode(column: "unit", as: String.self),
            owner: AccountOwner(ownerKind, try row.decode(column: "owner_id", as: String.self)), kind: kind,
            flags: AccountFlags(rawValue: try row.decode(column: "flags", as: Int64.self)),
            priority: try row.decode(column: "priority", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64?.self),
            model: try row.decode(column: "model", as: String?.self))
        account.debitsPending = try row.decode(column: "debits_pending", as: Int64.self)
        account.debitsPosted = try row.decode(column: "debits_posted", as: Int64.self)
        account.creditsPending = try row.decode(column: "credits_pending", as: Int64.self)
        account.creditsPosted = try row.decode(column: "credits_posted", as: Int64.self)
        account.createdAt = try row.decode(column: "created_at", as: Int64.self)
        return account
    }

    static func transfer(from row: any SQLRow) throws -> Transfer {
        let idText = try row.decode(column: "id", as: String.self)
        let phaseText = try row.decode(column: "phase", as: String.self)
        let pendingText = try row.decode(column: "pending_id", as: String?.self)
        guard let id = TimeOrderedID(idText), let phase = Transfer.Phase(rawValue: phaseText) else {
            throw StorageError.corrupt("transfer '\(idText)' has a bad id or phase '\(phaseText)'")
        }
        var pendingID: TimeOrderedID?
        if let pendingText {
            guard let parsed = TimeOrderedID(pendingText) else {
                throw StorageError.corrupt("transfer '\(idText)' names a bad pending id '\(pendingText)'")
            }
            pendingID = parsed
        }
        return Transfer(
            sequence: try row.decode(column: "seq", as: Int64.self), id: id,
            debitAccountID: try row.decode(column: "debit_account_id", as: String.self),
            creditAccountID: try row.decode(column: "credit_account_id", as: String.self),
            amount: try row.decode(column: "amount", as: Int64.self), phase: phase, pendingID: pendingID,
            timeoutMilliseconds: try row.decode(column: "timeout_ms", as: Int64?.self),
            timeoutAt: try row.decode(column: "timeout_at", as: Int64?.self),
            code: TransferCode(try row.decode(column: "code", as: String.self)),
            reference: try row.decode(column: "reference", as: String?.self),
            timestamp: try row.decode(column: "created_at", as: Int64.self),
            hash: try row.decode(column: "hash", as: String.self))
    }
}

extension Array {
    @_spi(Benchmarks) public func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
