import Synchronization

/// Accounts as this process last wrote or read them, valid only at one chain head.
///
/// Every ledger write locks the chain head first and changes it whenever it records anything, and
/// counters change only through recorded transfers. So when the head a write locks is the head
/// this cache was filled at (sequence and hash), no other connection or process has written since,
/// and the cached counters are the database's: the write need not read those accounts again. Any
/// other head — another writer's, or an older one after a rollback — empties the cache first.
final class AccountCache: Sendable {
    private struct State {
        var sequence: Int64 = -1
        var hash = ""
        var accounts: [String: Account] = [:]
    }

    /// Beyond this many accounts the cache starts over.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 200_000) { self.capacity = capacity }

    /// The cached accounts among `ids` if the cache is at `head`, and the ids it does not have.
    func lookup(_ ids: Set<String>, at head: (sequence: Int64, hash: String)) -> (found: [String: Account], missing: Set<String>) {
        state.withLock { state in
            guard state.sequence == head.sequence, state.hash == head.hash else {
                state = State(sequence: head.sequence, hash: head.hash)
                return ([:], ids)
            }
            var found: [String: Account] = [:]
            var missing = Set<String>()
            for id in ids {
                if let account = state.accounts[id] { found[id] = account } else { missing.insert(id) }
            }
            return (found, missing)
        }
    }

    /// Records `accounts` as they are at `head`. After a write, `previous` is the head the write
    /// started from: what the cache held there and the write did not touch is still true at `head`.
    func store(_ accounts: some Sequence<Account>, at head: (sequence: Int64, hash: String),
               advancingFrom previous: (sequence: Int64, hash: String)? = nil) {
        state.withLock { state in
            let from = previous ?? head
            if state.sequence != from.sequence || state.hash != from.hash || state.accounts.count > capacity {
                state = State(sequence: head.sequence, hash: head.hash)
            }
            state.sequence = head.sequence
            state.hash = head.hash
            for account in accounts { state.accounts[account.id] = account }
        }
    }
}
