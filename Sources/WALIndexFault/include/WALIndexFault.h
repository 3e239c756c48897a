#ifndef TOLLGATE_WAL_INDEX_FAULT_H
#define TOLLGATE_WAL_INDEX_FAULT_H

/// Repairs a SQLite WAL index (`-shm`) cut short while a statement is using it.
///
/// SQLite maps the index into memory; an access to a page the file no longer has raises SIGBUS.
/// Installed once, a SIGBUS handler looks at every registered index: one shorter than its
/// registered length is extended back (zero pages) and counted, and the faulting access is
/// retried, now on a page that exists. A fault no registered index explains goes to the handler
/// that was installed before (the Swift runtime's backtracer, or the default: the process ends).
/// The handler uses only `fstat`, `ftruncate` and atomics, which are safe in a signal handler.

/// Installs the handler (once per process). Returns 0, or -1 with errno set.
int tollgate_wal_index_fault_install(void);

/// Watches an index open as `descriptor`, to be kept at least `length` bytes long. Returns the
/// slot to name it by, or -1 when every slot is taken.
int tollgate_wal_index_fault_register(int descriptor, long long length);

/// The length the index in `slot` must have: the longest it has been seen.
void tollgate_wal_index_fault_set_length(int slot, long long length);

/// Stops watching the index in `slot` (before its descriptor closes; waits out a handler using it).
void tollgate_wal_index_fault_unregister(int slot);

/// How many times the handler has extended the index in `slot` since the last call, clearing it.
int tollgate_wal_index_fault_take_repairs(int slot);

#endif
