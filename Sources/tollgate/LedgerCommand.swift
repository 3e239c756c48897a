import ArgumentParser
import Foundation
import Ledger
import Storage
import TollgateCore

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The ledger of money and prepaid tokens.",
        subcommands: [Verify.self, LedgerAccountsCommand.self, LedgerTransferCommand.self, LedgerPayCommand.self, Load.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every ledger invariant and the hash chain; exit 1 naming the first violation.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "Seconds a pending transfer may stay unresolved past its timeout before it counts as a violation.")
        var grace: Int64 = 0

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    let store = SQLLedgerStore(database: database)
                    print(try await LedgerVerifier(store: store, graceMilliseconds: grace * 1000).verify())
                }
            }
        }
    }

    /// A stream of reservations for the concurrency and crash tests and drills: `tasks` concurrent
    /// callers each reserve `amount` from `debit` (timeout 10 minutes), then post part of it or
    /// void it, through group commit. Prints one JSON line with what was accepted and refused.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a stream of reservations, posts and voids (for tests and crash drills).", shouldDisplay: false)
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option var debit: String
        @Option var credit: String
        @Option var reservations: Int = 1000
        @Option var tasks: Int = 16
        @Option var amount: Int64 = 10
        @Option(help: "Record every N-th reservation as a linked pair with a posted fee (0: never).") var linkedEvery: Int = 0

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    let store = SQLLedgerStore(database: database)
                    let group = GroupCommit(store: store)
                    let counts = try await LoadRun(group: group, debit: debit, credit: credit, amount: amount,
                                                   linkedEvery: linkedEvery).run(reservations: reservations, tasks: tasks)
                    print(#"{"accepted":\#(counts.accepted),"refused":\#(counts.refused),"posted":\#(counts.posted),"voided":\#(counts.voided)}"#)
                }
            }
        }
    }
}

/// The work `ledger load` does, one reservation at a time per task.
struct LoadRun: Sendable {
    let group: GroupCommit
    let debit: String
    let credit: String
    let amount: Int64
    let linkedEvery: Int

    struct Counts: Sendable { var accepted = 0, refused = 0, posted = 0, voided = 0 }

    func run(reservations: Int, tasks: Int) async throws -> Counts {
        try await withThrowingTaskGroup(of: Counts.self) { taskGroup in
            for worker in 0..<tasks {
                let share = reservations / tasks + (worker < reservations % tasks ? 1 : 0)
                taskGroup.addTask { try await self.reserve(share, seed: UInt64(worker)) }
            }
            var total = Counts()
            for try await counts in taskGroup {
                total.accepted += counts.accepted
                total.refused += counts.refused
                total.posted += counts.posted
                total.voided += counts.voided
            }
            return total
        }
    }

    private func reserve(_ count: Int, seed: UInt64) async throws -> Counts {
        var counts = Counts()
        for index in 0..<count {
            let pending = TransferRequest.pending(debit: debit, credit: credit, amount: amount, timeoutMilliseconds: 600_000,
                                                  code: .usage, reference: "load-\(seed)-\(index)")
            do {
                if linkedEvery > 0 && index % linkedEvery == 0 {
                    try await group.submit(linked: [pending, .single(debit: debit, credit: credit, amount: 1, code: .usage,
                                                                     reference: "load-\(seed)-\(index):fee")])
                } else {
                    try await group.submit(pending)
                }
            } catch is TransferError {
                counts.refused += 1
                continue
            }
            counts.accepted += 1
            if (index + Int(seed)) % 3 == 0 {
                try await group.submit(.void(pending: pending.id))
                counts.voided += 1
            } else {
                try await group.submit(.post(pending: pending.id, amount: amount / 2 + 1))
                counts.posted += 1
            }
        }
        return counts
    }
}
