import Foundation
import Storage

/// The ledger's schema: its tables, as the migration that creates them.
public enum LedgerSchema {
    /// The ledger's tables (the `Ledger` target reads and writes them).
    ///
    /// Transfers are append-only; an account's four counters are a cache of its transfers' sums,
    /// kept in the same transaction and rechecked by `tollgate ledger verify`. `ledger_chain` holds
    /// the head of the hash chain; every ledger write locks its one row first, which orders the
    /// chain and serializes ledger writers across connections and processes.
    public static let migration = Migration(version: 2, name: "ledger accounts, transfers and hash chain", statements: [
        """
        CREATE TABLE ledger_accounts (
            id TEXT PRIMARY KEY,
            unit TEXT NOT NULL,
            owner_kind TEXT NOT NULL,
            owner_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            flags BIGINT NOT NULL,
            priority BIGINT NOT NULL,
            expires_at BIGINT,
            model TEXT,
            debits_pending BIGINT NOT NULL,
            debits_posted BIGINT NOT NULL,
            credits_pending BIGINT NOT NULL,
            credits_posted BIGINT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX ledger_accounts_owner ON ledger_accounts(owner_kind, owner_id)",
        """
        CREATE TABLE ledger_transfers (
            seq BIGINT PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            debit_account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
            credit_account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
            amount BIGINT NOT NULL CHECK (amount > 0),
            phase TEXT NOT NULL,
            pending_id TEXT,
            timeout_ms BIGINT,
            timeout_at BIGINT,
            code TEXT NOT NULL,
            reference TEXT,
            created_at BIGINT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
        // A pending transfer resolves at most once: at most one post, void or expiry names it.
        "CREATE UNIQUE INDEX ledger_transfers_resolution ON ledger_transfers(pending_id)",
        "CREATE INDEX ledger_transfers_debit ON ledger_transfers(debit_account_id, created_at)",
        "CREATE INDEX ledger_transfers_credit ON ledger_transfers(credit_account_id, created_at)",
        "CREATE INDEX ledger_transfers_timeout ON ledger_transfers(timeout_at) WHERE timeout_at IS NOT NULL",
        "CREATE TABLE ledger_chain (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
        "INSERT INTO ledger_chain (id, seq, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
    ])
}

extension LedgerSchema {
    /// The statements that create `ledger_transfers` and its indexes, for a table named `table`:
    /// the benchmark's reference INSERT goes into an exact copy of the ledger's own table.
    @_spi(Benchmarks) public static func ledgerTransfersCopy(named table: String) -> [String] {
        migration.statements
            .filter { $0.contains("ledger_transfers") && !$0.contains("ledger_chain") }
            .map { $0.replacingOccurrences(of: "ledger_transfers", with: table) }
    }
}
