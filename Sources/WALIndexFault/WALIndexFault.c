#define _GNU_SOURCE
#include "WALIndexFault.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { slotCount = 64 };

struct slot {
    _Atomic int descriptor;  // -1 when free
    _Atomic long long length;
    _Atomic int repairs;
};

static struct slot slots[slotCount];
static atomic_flag installing = ATOMIC_FLAG_INIT;
static _Atomic int installed = 0;
static struct sigaction previous;

static void handle(int signal, siginfo_t *info, void *context) {
    int savedErrno = errno;
    int repaired = 0;
    // Only a fault of an access (si_code > 0), not a SIGBUS sent by kill or sigqueue.
    if (atomic_load(&installed) == 1 && info != NULL && info->si_code > 0) {
        for (int i = 0; i < slotCount; i++) {
            int descriptor = atomic_load(&slots[i].descriptor);
            if (descriptor < 0) continue;
            // Busy (-3) while in use, so unregistering waits and the number is not reused under us.
            if (!atomic_compare_exchange_strong(&slots[i].descriptor, &descriptor, -3)) continue;
            long long length = atomic_load(&slots[i].length);
            struct stat status;
            if (fstat(descriptor, &status) == 0 && (long long)status.st_size < length && ftruncate(descriptor, (off_t)length) == 0) {
                atomic_fetch_add(&slots[i].repairs, 1);
                repaired = 1;
            }
            atomic_store(&slots[i].descriptor, descriptor);
        }
    }
    errno = savedErrno;
    if (repaired) return;  // the access is retried on pages that exist again
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction != NULL) {
        previous.sa_sigaction(signal, info, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(signal);
    } else {
        // Not ours: the default action — when a faulting access repeats on return, or at once for a
        // signal that was sent.
        struct sigaction defaults;
        memset(&defaults, 0, sizeof defaults);
        defaults.sa_handler = SIG_DFL;
        sigaction(SIGBUS, &defaults, NULL);
        if (info == NULL || info->si_code <= 0) raise(SIGBUS);
    }
}

int tollgate_wal_index_fault_install(void) {
    if (atomic_flag_test_and_set(&installing)) return 0;
    for (int i = 0; i < slotCount; i++) atomic_store(&slots[i].descriptor, -1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handle;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGBUS, &action, &previous) != 0) {
        atomic_flag_clear(&installing);
        return -1;
    }
    atomic_store(&installed, 1);
    return 0;
}

int tollgate_wal_index_fault_register(int descriptor, long long length) {
    for (int i = 0; i < slotCount; i++) {
        int expected = -1;
        // -2 holds the slot (the handler skips it) while its length is set.
        if (!atomic_compare_exchange_strong(&slots[i].descriptor, &expected, -2)) continue;
        atomic_store(&slots[i].length, length);
        atomic_store(&slots[i].repairs, 0);
        atomic_store(&slots[i].descriptor, descriptor);
        return i;
    }
    return -1;
}

void tollgate_wal_index_fault_set_length(int slot, long long length) {
    if (slot >= 0 && slot < slotCount) atomic_store(&slots[slot].length, length);
}

void tollgate_wal_index_fault_unregister(int slot) {
    if (slot < 0 || slot >= slotCount) return;
    for (;;) {
        int descriptor = atomic_load(&slots[slot].descriptor);
        // Waits out a handler using the slot (-3).
        if (descriptor != -3 && atomic_compare_exchange_strong(&slots[slot].descriptor, &descriptor, -1)) return;
    }
}

int tollgate_wal_index_fault_take_repairs(int slot) {
    if (slot < 0 || slot >= slotCount) return 0;
    return atomic_exchange(&slots[slot].repairs, 0);
}
