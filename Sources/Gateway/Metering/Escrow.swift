import Ledger
import Logging
import ServiceLifecycle
import Synchronization
import TollgateCore

/// Escrow: this replica's slices of limited accounts' balances, reserved ahead of the requests
/// that will need them, so a request's reservation is carved out in memory instead of written to
/// the ledger on its critical path.
///
/// A slice is taken in one ledger write as a batch of pending transfers of one size (a *piece*
/// each: the smallest power of two that covers the requests asking for it). A request takes one
/// piece from each account it reserves against — its fund and each of its budgets — and its
/// reservation is those pieces: settlement posts the actual amount of each piece (releasing the
/// rest) with the request's record, in the record writer's batches, exactly as for a reservation
/// made for the request alone. So every piece is checked against the account's limit by the ledger
/// when it is reserved, and no fund or hard budget can be held beyond what it has, however many
/// replicas share the database.
///
/// Near a limit escrow steps aside: a slice takes at most a quarter of what the account has
/// available, and an account with too little for a few pieces gets none, so requests there are
/// reserved one at a time as before — exact to the request. Pieces nobody took are released: a
/// pool unused for `idle`, a piece older than `lifetime`, all of them at shutdown. A crash loses
/// nothing: pieces are pending transfers that expire (`lifetime` after the reservation timeout, so a
/// request's hold lasts at least that timeout).
///
/// Requests paid across several funds reserve alone. Soft budgets (no limit) are sliced without
/// the quarter cap.
final class Escrow: Sendable {
    struct Settings: Sendable {
        /// A piece is handed out for at most this long after its slice was reserved (at most a
        /// quarter of the reservation timeout).
        var lifetime: Duration = .seconds(20)
        /// A pool nobody took from for this long gives its pieces back.
        var idle: Duration = .seconds(2)
        /// A slice takes at most 1/`share` of the account's available balance.
        var share: Int64 = 4
        /// A slice covers this long of the demand seen (pieces taken or missed per second).
        var horizon: Duration = .milliseconds(250)
        /// Fewer pieces than this are not worth a slice: the account is near its limit.
        var minimumPieces = 4
        /// An account asked for less often than this a second gets no slice.
        var minimumDemand = 4
        var maximumPieces = 1024
        /// How long an account found near its limit is not sliced again.
        var nearLimitPause: Duration = .seconds(1)
    }

    /// Pieces alike: the account they hold, what posting one pays, their size.
    struct Pool: Hashable, Sendable {
        let accountID: String
        let creditAccountID: String
        let code: TransferCode
        let size: Int64
        /// The fund's owner, whose cached funds a slice changes (`nil` for budgets).
        let owner: AccountOwner?
    }

    struct Piece: Sendable, Hashable {
        let pendingID: TimeOrderedID
        let pool: Pool
        /// When its slice was asked for, on the gateway's clock.
        let reservedAt: Duration
    }

    private struct PoolState {
        /// Oldest first, from `head` on.
        var free: [Piece] = []
        var head = 0
        var refilling = false
        var pausedUntil: Duration = .zero
        var lastUse: Duration = .zero
        /// Pieces asked for in the current and the previous second.
        var second: Int64 = 0
        var current = 0
        var previous = 0

        var count: Int { free.count - head }

        mutating func noteDemand(at now: Duration) {
            let thisSecond = now.components.seconds
            if thisSecond != second {
                previous = thisSecond == second + 1 ? current : 0
                current = 0
                second = thisSecond
            }
            current += 1
        }

        var demand: Int { max(current, previous) }

        mutating func take() -> Piece {
            let piece = free[head]
            head += 1
            if head > 64 && head * 2 > free.count {
                free.removeFirst(head)
                head = 0
            }
            return piece
        }

        /// Removes and returns the pieces `drop` picks.
        mutating func remove(where drop: (Piece) -> Bool) -> [Piece] {
            let live = free[head...]
            let dropped = live.filter(drop)
            if dropped.isEmpty { return [] }
            free = live.filter { !drop($0) }
            head = 0
            return dropped
        }
    }

    private struct State {
        var pools: [Pool: PoolState] = [:]
        /// Free pieces' total per account.
        var freeByAccount: [String: Int64] = [:]
        /// Pieces found too old when a request looked, to release.
        var stale: [Piece] = []
        var carved = 0
        var missed = 0
        /// Shut down: nothing more is handed out, and a slice that lands now goes straight back.
        var closed = false
        /// Slices being reserved and releases being written.
        var writing = 0
    }

    let settings: Settings
    private let commit: GroupCommit
    private let ledger: any LedgerStore
    /// Each piece's pending timeout, in milliseconds.
    private let timeout: Int64
    private let clock: any TimeSource
    private let logger: Logger
    private let state = Mutex(State())
    /// Told when a fund's slice is reserved or released (the meter's funds cache).
    private let onReserved: @Sendable (AccountOwner, String, Int64) -> Void
    private let onReleased: @Sendable (AccountOwner) -> Void

    init(settings: Settings = Settings(), commit: GroupCommit, reservationTimeout: Duration, clock: any TimeSource, logger: Logger,
         onReserved: @escaping @Sendable (AccountOwner, String, Int64) -> Void = { _, _, _ in },
         onReleased: @escaping @Sendable (AccountOwner) -> Void = { _ in }) {
        var settings = settings
        settings.minimumPieces = max(1, settings.minimumPieces)
        // A piece's hold outlasts the reservation timeout by at most a quarter of it.
        settings.lifetime = min(settings.lifetime, reservationTimeout / 4)
        self.settings = settings
        self.commit = commit
        self.ledger = commit.store
        self.timeout = max(1, Int64((reservationTimeout + settings.lifetime) / .milliseconds(1)))
        self.clock = clock
        self.logger = logger
        self.onReserved = onReserved
        self.onReleased = onReleased
    }

    /// The piece size that covers `amount`.
    static func size(for amount: Int64) -> Int64 {
        amount <= 1 ? 1 : amount > (1 << 61) ? amount : Int64(1) << (64 - (amount - 1).leadingZeroBitCount)
    }

    /// One piece from each pool, or `nil` (nothing taken) when any of them has none ready; pools
    /// running low are refilled in the background.
    func carve(_ pools: [Pool]) -> [Piece]? {
        let now = clock.now()
        let (pieces, refills) = state.withLock { state -> ([Piece]?, [Pool]) in
            if state.closed { return (nil, []) }
            var ready = true
            for key in pools {
                var pool = state.pools[key, default: PoolState()]
                pool.noteDemand(at: now)
                // Pieces too old to hand out wait for the sweeper to release them.
                while pool.count > 0 && now - pool.free[pool.head].reservedAt >= settings.lifetime {
                    state.stale.append(pool.take())
                    state.freeByAccount[key.accountID, default: 0] -= key.size
                }
                if pool.count == 0 { ready = false }
                state.pools[key] = pool
            }
            var pieces: [Piece]?
            if ready {
                pieces = pools.map { pool in
                    let piece = state.pools[pool]!.take()
                    state.freeByAccount[pool.accountID, default: 0] -= pool.size
                    return piece
                }
                state.carved += 1
            } else {
                state.missed += 1
            }
            // A slice is worth it only for accounts requests keep coming to, and only when every
            // account of this reservation can be sliced: a carve takes a piece of each or none.
            let eligible = pools.allSatisfy { pool in
                let entry = state.pools[pool]!
                return entry.demand >= settings.minimumDemand && now >= entry.pausedUntil
            }
            var refills: [Pool] = []
            if eligible {
                for pool in pools {
                    var entry = state.pools[pool]!
                    entry.lastUse = now
                    if !entry.refilling && entry.count * 2 <= target(entry.demand) {
                        entry.refilling = true
                        refills.append(pool)
                    }
                    state.pools[pool] = entry
                }
            }
            return (pieces, refills)
        }
        for pool in refills { Task { await self.refill(pool) } }
        return pieces
    }

    /// How many requests were carved from slices and how many had to reserve alone.
    var counts: (carved: Int, missed: Int) { state.withLock { ($0.carved, $0.missed) } }

    /// What this replica holds free in slices of `accountID`: available to its own requests.
    func free(_ accountID: String) -> Int64 {
        state.withLock { $0.freeByAccount[accountID] ?? 0 }
    }

    private func target(_ demand: Int) -> Int {
        let wanted = Int(Double(demand) * (Double(settings.horizon.components.attoseconds) / 1e18
            + Double(settings.horizon.components.seconds)))
        return min(settings.maximumPieces, max(settings.minimumPieces, wanted))
    }

    private func refill(_ pool: Pool) async {
        let now = clock.now()
        var reserved: [Piece] = []
        state.withLock { $0.writing += 1 }
        defer {
            state.withLock { state in
                state.writing -= 1
                state.pools[pool]?.refilling = false
                if reserved.isEmpty { state.pools[pool]?.pausedUntil = now + settings.nearLimitPause }
            }
        }
        let demand = state.withLock { state in state.pools[pool]?.demand ?? 0 }
        var count = target(demand)
        do {
            guard let account = try await ledger.account(id: pool.accountID) else { return }
            if account.flags.contains(.debitsMustNotExceedCredits) {
                // All of this replica's free pieces of the account, every size, stay within a
                // quarter of what it has (its own free pieces count as held in `available`).
                let mine = free(pool.accountID)
                let room = (account.available + mine) / settings.share - mine
                count = room <= 0 ? 0 : min(count, Int(min(Int64(Int.max), room / pool.size)))
            }
            if count < settings.minimumPieces { return }
            let pieces = (0..<count).map { _ in Piece(pendingID: TimeOrderedID(), pool: pool, reservedAt: now) }
            try await commit.submit(linked: pieces.map { piece in
                TransferRequest.pending(id: piece.pendingID, debit: pool.accountID, credit: pool.creditAccountID, amount: pool.size,
                                        timeoutMilliseconds: timeout, code: pool.code, reference: "escrow")
            })
            reserved = pieces
        } catch let error as TransferError where error.reason == .exceedsCredits || error.reason == .accountExpired {
            return // another replica took it first: near the limit
        } catch {
            logger.warning("could not reserve an escrow slice", metadata: ["account": "\(pool.accountID)", "error": "\(error)"])
            return
        }
        let closed = state.withLock { state in
            // Shut down, or the account released since this slice was asked for: it goes back.
            if state.closed || (state.pools[pool]?.pausedUntil ?? .zero) > now {
                state.writing += 1
                return true
            }
            state.pools[pool, default: PoolState()].free += reserved
            state.freeByAccount[pool.accountID, default: 0] += pool.size * Int64(reserved.count)
            return false
        }
        if let owner = pool.owner { onReserved(owner, pool.accountID, pool.size * Int64(reserved.count)) }
        if closed { await void(reserved) }
    }

    /// Releases this replica's free pieces of `accounts`: a request that reserves alone may need
    /// what they hold.
    func release(accounts: Set<String>) async {
        let now = clock.now()
        state.withLock { state in
            for key in state.pools.keys where accounts.contains(key.accountID) {
                state.pools[key]?.pausedUntil = now + settings.nearLimitPause
            }
        }
        await void(takeFree(at: now) { pool, _, _ in accounts.contains(pool.accountID) })
    }

    /// Releases every free piece, once the slices being reserved and the releases being written
    /// have landed (waiting up to 5 s for them).
    func release() async {
        for _ in 0..<500 where state.withLock({ $0.writing > 0 || $0.pools.values.contains { $0.refilling } }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let now = clock.now()
        state.withLock { state in
            for key in state.pools.keys { state.pools[key]?.pausedUntil = now + settings.nearLimitPause }
        }
        await void(takeFree(at: now) { _, _, _ in true })
    }

    /// Gives every free piece back and hands out no more (at shutdown, once no request is left);
    /// a slice that lands after goes straight back.
    func close() async {
        state.withLock { $0.closed = true }
        await release()
    }

    /// Releases pieces too old to hand out and the pieces of pools nobody uses.
    func sweep() async {
        let now = clock.now()
        await void(takeFree(at: now) { _, state, piece in
            now - state.lastUse >= settings.idle || now - piece.reservedAt >= settings.lifetime
        })
    }

    /// Removes the free pieces `drop` picks; forgets pools left empty and idle.
    private func takeFree(at now: Duration, _ drop: (Pool, PoolState, Piece) -> Bool) -> [Piece] {
        state.withLock { state in
            var dropped = state.stale
            state.stale = []
            for key in Array(state.pools.keys) {
                var pool = state.pools[key]!
                let before = pool
                let removed = pool.remove { drop(key, before, $0) }
                state.freeByAccount[key.accountID, default: 0] -= key.size * Int64(removed.count)
                if state.freeByAccount[key.accountID] == 0 { state.freeByAccount[key.accountID] = nil }
                if pool.count == 0 && !pool.refilling && now - pool.lastUse >= settings.idle {
                    state.pools[key] = nil
                } else {
                    state.pools[key] = pool
                }
                dropped += removed
            }
            if !dropped.isEmpty { state.writing += 1 }
            return dropped
        }
    }

    /// Releases `pieces`, taken out of the pools with `writing` counted up for this release. A
    /// database that fails is tried again (the same void ids: a retry after a commit that did land
    /// records nothing twice); what still fails expires.
    private func void(_ pieces: [Piece]) async {
        if pieces.isEmpty { return }
        defer { state.withLock { $0.writing -= 1 } }
        let batches = pieces.map { TransferBatch([.void(pending: $0.pendingID, code: $0.pool.code, reference: "escrow")]) }
        var delay = Duration.milliseconds(50)
        for attempt in 1...5 {
            do {
                let results = try await ledger.submit(batches)
                let refused = results.filter { if case .failure = $0 { true } else { false } }.count
                if refused > 0 { logger.warning("escrow pieces could not be released; they expire", metadata: ["count": "\(refused)"]) }
                break
            } catch {
                if attempt == 5 {
                    logger.warning("could not release escrow pieces; they expire", metadata: ["count": "\(pieces.count)", "error": "\(error)"])
                    break
                }
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        for owner in Set(pieces.compactMap(\.pool.owner)) { onReleased(owner) }
    }
}

/// Sweeps the escrow every quarter second and returns every free piece at shutdown.
struct EscrowSweeper: Service {
    let escrow: Escrow

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            await escrow.sweep()
        }
        await escrow.close()
    }
}
