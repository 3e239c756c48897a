// An open-loop (or closed-loop) HTTP/1.1 load generator for bench/gateway/run.sh.
//
//   loadgen --url http://127.0.0.1:PORT/v1/chat/completions --body FILE [--body FILE ...]
//           [--header 'Authorization: Bearer KEY' ...] [--rate R] [--connections C]
//           [--duration S] [--warmup S] [--seed N] [--timeout S] [--out FILE]
//           [--samples FILE] [--interval S --interval-out FILE]
//
// Open loop (--rate R > 0): requests are scheduled at Poisson arrival times (exponential gaps,
// seeded) whatever the answers do. Each goes out on an idle keep-alive connection; when none is
// idle a new one is opened, up to --connections (default 512); past that requests wait in a
// queue. Latency is measured from the *scheduled* send time, so time spent queued (behind a slow
// server or a busy load generator) counts: no coordinated omission.
// Closed loop (--rate 0): --connections connections each send the next request as soon as the
// previous answer ended (saturation); the scheduled time is then the send time.
//
// Per request: TTFB (first byte of the response, i.e. the status line), for event streams the time
// to the first `data:` event, and the total latency to the end of the response (Content-Length,
// the chunked terminator, or the connection's close). Requests scheduled during the first
// --warmup seconds are sent but not counted. Each request's body is one of the --body files,
// chosen at random (seeded) when several are given.
//
// Standard output: "measuring" when the warm-up ends and "done" when the measured window ends
// (for a caller sampling the server's CPU over the window), then the JSON summary unless --out.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODIES 16
#define MAX_HEADERS 32
#define MAX_HEAD 65536

// ---------- options ----------
static char host[256] = "127.0.0.1";
static int port = 80;
static char path[1024] = "/";
static const char *body_files[MAX_BODIES];
static int nbodies = 0;
static const char *headers[MAX_HEADERS];
static int nheaders = 0;
static double rate = 100;
static int max_conns = -1;
static double duration_s = 10, warmup_s = 1, timeout_s = 10, interval_s = 0;
static uint64_t seed = 1;
static const char *out_path = NULL, *samples_path = NULL, *interval_path = NULL;

// ---------- time, random ----------
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rng_state;
static uint64_t rng_next(void) { // xorshift64*
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static double rng_uniform(void) { return ((rng_next() >> 11) + 0.5) / 9007199254740992.0; } // (0,1)

// ---------- growable arrays ----------
typedef struct {
    int64_t *v;
    size_t n, cap;
} vec_t;
static void vec_push(vec_t *a, int64_t x) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4096;
        a->v = realloc(a->v, a->cap * sizeof(int64_t));
        if (!a->v) { perror("realloc"); exit(1); }
    }
    a->v[a->n++] = x;
}
static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

// ---------- requests ----------
typedef struct {
    char *bytes;
    size_t len;
} request_t;
static request_t requests[MAX_BODIES];

typedef struct {
    int64_t sched;
    int variant;
    int retried;
} job_t;

// FIFO of requests waiting for a connection
static job_t *queue;
static size_t q_head, q_len, q_cap, q_max;
static void q_push_back(job_t j) {
    if (q_len == q_cap) {
        size_t cap = q_cap ? q_cap * 2 : 1024;
        job_t *nq = malloc(cap * sizeof(job_t));
        for (size_t i = 0; i < q_len; i++) nq[i] = queue[(q_head + i) % q_cap];
        free(queue);
        queue = nq;
        q_head = 0;
        q_cap = cap;
    }
    queue[(q_head + q_len++) % q_cap] = j;
    if (q_len > q_max) q_max = q_len;
}
static void q_push_front(job_t j) {
    q_push_back(j); // make room, then rotate it to the front
    q_len--;
    q_head = (q_head + q_cap - 1) % q_cap;
    queue[q_head] = j;
    q_len++;
}
static job_t q_pop(void) {
    job_t j = queue[q_head];
    q_head = (q_head + 1) % q_cap;
    q_len--;
    return j;
}

// ---------- connections ----------
enum { C_FREE, C_CONNECTING, C_IDLE, C_BUSY };
enum { P_HEAD, P_CL, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER, P_EOF };

typedef struct {
    int fd, state, idx;
    int used;        // requests completed on it (a reused connection may have been closed by the server)
    job_t job;
    size_t written;
    int64_t sent, first_byte, first_event;
    int got_bytes;
    int pstate, status, close_after, chunked;
    int64_t remaining;
    char head[MAX_HEAD];
    size_t head_len;
    char line[64];
    size_t line_len;
    int match; // progress matching "data:"
    int sse;   // the answer is a text/event-stream
} conn_t;

static conn_t *conns;
static int nconns_alloc;
static int *idle_stack, idle_n;
static int open_conns, connecting;
static int ep, tfd;
static struct sockaddr_in addr;

// ---------- statistics ----------
static int64_t t0, t_warm, t_end;
static vec_t lat, ttfb, ttfe, lag;
static vec_t iv_lat; // the current interval's latencies
static long iv_ok, iv_err;
static int64_t iv_start;
static FILE *iv_file, *samples_file;
static long sent_n, completed_n, ok_n, ok_in_window, err_connect, err_read, err_timeout, err_parse, err_status, retries;
static long status_counts[600];
static long conns_opened;
static int closed_loop;

static int measured(const job_t *j) { return j->sched >= t_warm && j->sched < t_end; }

static void record_error(const job_t *j, long *counter) {
    if (measured(j)) (*counter)++;
    iv_err++;
}

static void conn_free(conn_t *c) {
    if (c->state == C_IDLE)
        for (int i = 0; i < idle_n; i++)
            if (idle_stack[i] == c->idx) { idle_stack[i] = idle_stack[--idle_n]; i--; }
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    if (c->state == C_CONNECTING) connecting--;
    if (c->state != C_FREE) open_conns--;
    c->fd = -1;
    c->state = C_FREE;
}

static void set_events(conn_t *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)c->idx};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int open_conn(void) {
    int idx = -1;
    for (int i = 0; i < nconns_alloc; i++)
        if (conns[i].state == C_FREE) { idx = i; break; }
    if (idx < 0) return -1;
    conn_t *c = &conns[idx];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno != EINPROGRESS) {
        close(fd);
        return -2;
    }
    memset(c, 0, offsetof(conn_t, head));
    c->idx = idx;
    c->fd = fd;
    c->state = C_CONNECTING;
    connecting++;
    open_conns++;
    conns_opened++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)idx};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    return idx;
}

static void try_write(conn_t *c) {
    request_t *rq = &requests[c->job.variant];
    while (c->written < rq->len) {
        ssize_t n = send(c->fd, rq->bytes + c->written, rq->len - c->written, MSG_NOSIGNAL);
        if (n > 0) { c->written += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { set_events(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT); return; }
        return; // the error shows on the read side (EOF/reset)
    }
    set_events(c, EPOLLIN | EPOLLRDHUP);
}

static void start_on(conn_t *c, job_t j) {
    c->job = j;
    c->state = C_BUSY;
    c->written = 0;
    c->sent = now_ns();
    c->first_byte = c->first_event = 0;
    c->got_bytes = 0;
    c->pstate = P_HEAD;
    c->head_len = 0;
    c->status = 0;
    c->close_after = 0;
    c->chunked = 0;
    c->remaining = -1;
    c->match = 0;
    if (measured(&j)) { sent_n++; vec_push(&lag, c->sent - j.sched); }
    try_write(c);
}

static int pick_variant(void) { return nbodies > 1 ? (int)(rng_next() % (uint64_t)nbodies) : 0; }

// Hands queued requests to idle connections, opening new ones as needed (open loop).
static void pump(void) {
    while (q_len > 0 && idle_n > 0) {
        conn_t *c = &conns[idle_stack[--idle_n]];
        if (c->state != C_IDLE) continue;
        start_on(c, q_pop());
    }
    while (q_len > (size_t)connecting && open_conns < max_conns) {
        int r = open_conn();
        if (r == -2) { // refused at once: fail the oldest request
            job_t j = q_pop();
            record_error(&j, &err_connect);
            break;
        }
        if (r < 0) break;
    }
}

static void make_idle(conn_t *c) {
    c->state = C_IDLE;
    c->used++;
    if (closed_loop) {
        int64_t now = now_ns();
        if (now < t_end) start_on(c, (job_t){now, pick_variant(), 0});
        return;
    }
    idle_stack[idle_n++] = c->idx;
    pump();
}

// The connection failed; its request (if any) is retried once when it got no byte of an answer
// on a reused connection (the server closed it as we sent: any HTTP client retries that), else
// counted as an error of `kind`.
static void conn_fail(conn_t *c, long *kind) {
    int busy = c->state == C_BUSY;
    job_t j = c->job;
    int reused = c->used > 0, got = c->got_bytes;
    int was_connecting = c->state == C_CONNECTING;
    conn_free(c);
    if (busy) {
        if (reused && !got && !j.retried) {
            j.retried = 1;
            retries++;
            if (closed_loop) {
                int o = open_conn();
                if (o >= 0) conns[o].job = j, conns[o].used = 0;
            } else {
                q_push_front(j);
            }
        } else {
            record_error(&j, kind); // closed loop: the periodic check opens a replacement
        }
    } else if (was_connecting) {
        if (!closed_loop && q_len > 0) {
            job_t q = q_pop();
            record_error(&q, &err_connect);
        } else if (closed_loop && now_ns() < t_end) {
            record_error(&(job_t){now_ns(), 0, 0}, &err_connect);
        }
    }
    if (!closed_loop) pump();
}

static void finish_response(conn_t *c) {
    int64_t done = now_ns();
    job_t j = c->job;
    int ok = c->status >= 200 && c->status < 300;
    if (c->status > 0 && c->status < 600 && measured(&j)) status_counts[c->status]++;
    if (measured(&j)) {
        completed_n++;
        if (ok) {
            ok_n++;
            vec_push(&lat, done - j.sched);
            vec_push(&ttfb, c->first_byte - j.sched);
            if (c->first_event) vec_push(&ttfe, c->first_event - j.sched);
        } else {
            err_status++;
        }
        if (samples_file)
            fprintf(samples_file, "%.3f,%.3f,%.3f,%.3f,%d,%d\n", (j.sched - t_warm) / 1e6, (done - j.sched) / 1e6,
                    (c->first_byte - j.sched) / 1e6, c->first_event ? (c->first_event - j.sched) / 1e6 : -1.0, c->status, j.variant);
    }
    if (ok && done >= t_warm && done < t_end) ok_in_window++;
    if (done >= t_warm) {
        if (ok) { iv_ok++; vec_push(&iv_lat, done - j.sched); } else iv_err++;
    }
    if (c->close_after) {
        conn_free(c);
        if (closed_loop) { if (now_ns() < t_end) open_conn(); }
        else pump();
        return;
    }
    make_idle(c);
}

static int head_has(const char *line, size_t len, const char *name, const char **v, size_t *vlen) {
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') return 0;
    const char *s = line + n + 1, *e = line + len;
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *v = s;
    *vlen = (size_t)(e - s);
    return 1;
}

// Parses the response head; returns 0 on success.
static int parse_head(conn_t *c) {
    char *p = c->head, *end = c->head + c->head_len;
    if (c->head_len < 12 || strncmp(p, "HTTP/1.", 7) != 0) return -1;
    c->status = atoi(p + 9);
    c->close_after = p[7] == '0';
    c->remaining = -1;
    c->chunked = 0;
    c->sse = 0;
    char *line = memchr(p, '\n', (size_t)(end - p));
    if (!line) return -1;
    line++;
    while (line < end) {
        char *le = memchr(line, '\n', (size_t)(end - line));
        if (!le) break;
        size_t len = (size_t)(le - line);
        const char *v;
        size_t vlen;
        if (head_has(line, len, "content-length", &v, &vlen)) c->remaining = strtoll(v, NULL, 10);
        else if (head_has(line, len, "transfer-encoding", &v, &vlen)) c->chunked = memmem(v, vlen, "chunked", 7) != NULL;
        else if (head_has(line, len, "content-type", &v, &vlen)) c->sse = memmem(v, vlen, "event-stream", 12) != NULL;
        else if (head_has(line, len, "connection", &v, &vlen)) {
            if (vlen >= 5 && strncasecmp(v, "close", 5) == 0) c->close_after = 1;
            else if (vlen >= 10 && strncasecmp(v, "keep-alive", 10) == 0) c->close_after = 0;
        }
        line = le + 1;
    }
    return 0;
}

static void scan_event(conn_t *c, const char *p, size_t n) {
    static const char pat[] = "data:";
    if (c->first_event || !c->sse) return;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == pat[c->match]) {
            if (++c->match == 5) { c->first_event = now_ns(); return; }
        } else {
            c->match = p[i] == 'd' ? 1 : 0;
        }
    }
}

// Feeds received bytes to the response parser. Returns 1 when the response ended, -1 on a parse error.
static int feed(conn_t *c, const char *p, size_t n, size_t *used) {
    size_t i = 0;
    while (i < n) {
        switch (c->pstate) {
        case P_HEAD: {
            // copy until the blank line
            while (i < n) {
                if (c->head_len >= MAX_HEAD - 1) return -1;
                c->head[c->head_len++] = p[i++];
                if (c->head_len >= 4 && memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4) == 0) break;
            }
            if (c->head_len < 4 || memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4) != 0) break;
            if (parse_head(c) < 0) return -1;
            if (c->status >= 100 && c->status < 200) { c->head_len = 0; break; } // 100 Continue: next head
            if (c->status == 204 || c->status == 304) { *used = i; return 1; }
            if (c->chunked) { c->pstate = P_CHUNK_SIZE; c->line_len = 0; }
            else if (c->remaining >= 0) { c->pstate = P_CL; if (c->remaining == 0) { *used = i; return 1; } }
            else { c->pstate = P_EOF; c->close_after = 1; }
            break;
        }
        case P_CL: {
            size_t take = (size_t)c->remaining < n - i ? (size_t)c->remaining : n - i;
            scan_event(c, p + i, take);
            i += take;
            c->remaining -= (int64_t)take;
            if (c->remaining == 0) { *used = i; return 1; }
            break;
        }
        case P_EOF:
            scan_event(c, p + i, n - i);
            i = n;
            break;
        case P_CHUNK_SIZE:
            while (i < n) {
                char ch = p[i++];
                if (ch == '\n') {
                    c->line[c->line_len < sizeof c->line ? c->line_len : sizeof c->line - 1] = 0;
                    char *endp;
                    long long size = strtoll(c->line, &endp, 16);
                    if (endp == c->line) return -1;
                    c->line_len = 0;
                    if (size == 0) { c->pstate = P_TRAILER; }
                    else { c->remaining = size; c->pstate = P_CHUNK_DATA; }
                    break;
                }
                if (c->line_len < sizeof c->line - 1) c->line[c->line_len++] = ch;
            }
            break;
        case P_CHUNK_DATA: {
            size_t take = (size_t)c->remaining < n - i ? (size_t)c->remaining : n - i;
            scan_event(c, p + i, take);
            i += take;
            c->remaining -= (int64_t)take;
            if (c->remaining == 0) { c->pstate = P_CHUNK_CRLF; c->line_len = 0; }
            break;
        }
        case P_CHUNK_CRLF:
            while (i < n) {
                if (p[i++] == '\n') { c->pstate = P_CHUNK_SIZE; c->line_len = 0; break; }
            }
            break;
        case P_TRAILER: // lines until an empty one
            while (i < n) {
                char ch = p[i++];
                if (ch == '\n') {
                    if (c->line_len == 0) { *used = i; return 1; }
                    c->line_len = 0;
                } else if (ch != '\r') {
                    c->line_len++;
                }
            }
            break;
        }
    }
    *used = i;
    return 0;
}

static void on_readable(conn_t *c) {
    char buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (c->state != C_BUSY) { conn_fail(c, &err_parse); return; } // bytes nobody asked for
            if (!c->got_bytes) { c->got_bytes = 1; c->first_byte = now_ns(); }
            size_t off = 0;
            while (off < (size_t)n) {
                size_t used = 0;
                int r = feed(c, buf + off, (size_t)n - off, &used);
                off += used;
                if (r < 0) { conn_fail(c, &err_parse); return; }
                if (r == 1) {
                    int idx = c->idx;
                    finish_response(c);
                    conn_t *d = &conns[idx];
                    if (off < (size_t)n) { conn_fail(d, &err_parse); return; } // pipelined bytes we never asked for
                    if (d->state == C_FREE || d->fd < 0) return;
                    break;
                }
            }
            if ((size_t)n < sizeof buf) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        // EOF or error
        if (c->state == C_BUSY && c->pstate == P_EOF) { c->close_after = 1; finish_response(c); return; }
        if (c->state == C_IDLE) { conn_free(c); if (!closed_loop) pump(); return; }
        conn_fail(c, &err_read);
        return;
    }
}

static void on_event(conn_t *c, uint32_t events) {
    if (c->state == C_CONNECTING) {
        if (events & (EPOLLERR | EPOLLHUP)) { conn_fail(c, &err_connect); return; }
        if (events & EPOLLOUT) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) { conn_fail(c, &err_connect); return; }
            connecting--;
            if (closed_loop) {
                if (c->job.sched) { job_t j = c->job; c->state = C_IDLE; start_on(c, j); } // a retry
                else { c->state = C_IDLE; c->used = 0; int64_t now = now_ns(); if (now < t_end) start_on(c, (job_t){now, pick_variant(), 0}); else { set_events(c, EPOLLIN | EPOLLRDHUP); idle_stack[idle_n++] = c->idx; } }
                return;
            }
            c->state = C_IDLE;
            set_events(c, EPOLLIN | EPOLLRDHUP);
            idle_stack[idle_n++] = c->idx;
            c->used = 0;
            pump();
            return;
        }
    }
    if (c->state == C_BUSY && (events & EPOLLOUT)) try_write(c);
    if (c->state != C_FREE && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) on_readable(c);
}

static void pct(FILE *f, const char *name, vec_t *v, int last) {
    fprintf(f, "  \"%s\": {\"count\": %zu", name, v->n);
    if (v->n) {
        qsort(v->v, v->n, sizeof(int64_t), cmp_i64);
        static const double ps[] = {50, 90, 99, 99.9};
        static const char *pn[] = {"p50", "p90", "p99", "p999"};
        double sum = 0;
        for (size_t i = 0; i < v->n; i++) sum += (double)v->v[i];
        for (int k = 0; k < 4; k++) {
            size_t idx = (size_t)ceil(ps[k] / 100.0 * (double)v->n);
            if (idx > 0) idx--;
            if (idx >= v->n) idx = v->n - 1;
            fprintf(f, ", \"%s\": %.4f", pn[k], v->v[idx] / 1e6);
        }
        fprintf(f, ", \"min\": %.4f, \"max\": %.4f, \"mean\": %.4f", v->v[0] / 1e6, v->v[v->n - 1] / 1e6, sum / (double)v->n / 1e6);
    }
    fprintf(f, "}%s\n", last ? "" : ",");
}

static void interval_flush(int64_t now) {
    if (!iv_file) return;
    double p50 = 0, p99 = 0, p999 = 0, mx = 0;
    if (iv_lat.n) {
        qsort(iv_lat.v, iv_lat.n, sizeof(int64_t), cmp_i64);
        size_t n = iv_lat.n;
        size_t i50 = (size_t)ceil(0.5 * n) - 1, i99 = (size_t)ceil(0.99 * n) - 1, i999 = (size_t)ceil(0.999 * n) - 1;
        p50 = iv_lat.v[i50] / 1e6;
        p99 = iv_lat.v[i99] / 1e6;
        p999 = iv_lat.v[i999] / 1e6;
        mx = iv_lat.v[n - 1] / 1e6;
    }
    double secs = (now - iv_start) / 1e9;
    fprintf(iv_file,
            "{\"t_start\": %.3f, \"t_end\": %.3f, \"mono_start\": %.6f, \"mono_end\": %.6f, \"ok\": %ld, \"errors\": %ld, "
            "\"rps\": %.2f, \"p50_ms\": %.4f, \"p99_ms\": %.4f, \"p999_ms\": %.4f, \"max_ms\": %.4f, \"queued\": %zu, \"connections\": %d}\n",
            (iv_start - t_warm) / 1e9, (now - t_warm) / 1e9, iv_start / 1e9, now / 1e9, iv_ok, iv_err, secs > 0 ? iv_ok / secs : 0, p50,
            p99, p999, mx, q_len, open_conns);
    fflush(iv_file);
    iv_lat.n = 0;
    iv_ok = iv_err = 0;
    iv_start = now;
}

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen --url URL --body FILE [--body FILE ...] [--header 'Name: value' ...] [--rate R (0: closed loop)]\n"
            "               [--connections C] [--duration S] [--warmup S] [--seed N] [--timeout S] [--out FILE]\n"
            "               [--samples FILE] [--interval S --interval-out FILE]\n");
    exit(2);
}

static char *read_file(const char *p, size_t *len) {
    FILE *f = fopen(p, "rb");
    if (!f) { perror(p); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) { perror(p); exit(2); }
    fclose(f);
    b[n] = 0;
    *len = (size_t)n;
    return b;
}

static void parse_url(const char *url) {
    const char *p = url;
    if (strncmp(p, "http://", 7) != 0) { fprintf(stderr, "only http:// URLs\n"); exit(2); }
    p += 7;
    const char *slash = strchr(p, '/');
    size_t hl = slash ? (size_t)(slash - p) : strlen(p);
    char hp[256];
    if (hl >= sizeof hp) exit(2);
    memcpy(hp, p, hl);
    hp[hl] = 0;
    char *colon = strrchr(hp, ':');
    if (colon) { *colon = 0; port = atoi(colon + 1); }
    snprintf(host, sizeof host, "%s", hp);
    snprintf(path, sizeof path, "%s", slash ? slash : "/");
}

int main(int argc, char **argv) {
    const char *url = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--url")) url = v;
        else if (!strcmp(a, "--body")) { if (nbodies == MAX_BODIES) usage(); body_files[nbodies++] = v; }
        else if (!strcmp(a, "--header")) { if (nheaders == MAX_HEADERS) usage(); headers[nheaders++] = v; }
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--connections")) max_conns = atoi(v);
        else if (!strcmp(a, "--duration")) duration_s = atof(v);
        else if (!strcmp(a, "--warmup")) warmup_s = atof(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--timeout")) timeout_s = atof(v);
        else if (!strcmp(a, "--out")) out_path = v;
        else if (!strcmp(a, "--samples")) samples_path = v;
        else if (!strcmp(a, "--interval")) interval_s = atof(v);
        else if (!strcmp(a, "--interval-out")) interval_path = v;
        else usage();
        i++;
    }
    if (!url || nbodies == 0) usage();
    parse_url(url);
    closed_loop = rate <= 0;
    if (max_conns <= 0) max_conns = closed_loop ? 64 : 512;
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
    if (!rng_state) rng_state = 1;
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); // wake at the scheduled instants, not up to 50 us late
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max_conns + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)max_conns + 64 ? rl.rlim_max : (rlim_t)max_conns + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    if (getaddrinfo(host, ports, &hints, &res) != 0) { fprintf(stderr, "cannot resolve %s\n", host); return 2; }
    memcpy(&addr, res->ai_addr, sizeof addr);
    freeaddrinfo(res);

    for (int b = 0; b < nbodies; b++) {
        size_t blen;
        char *body = read_file(body_files[b], &blen);
        size_t cap = blen + 4096;
        for (int h = 0; h < nheaders; h++) cap += strlen(headers[h]) + 2;
        char *r = malloc(cap);
        int n = snprintf(r, cap, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nAccept: */*\r\nContent-Length: %zu\r\n",
                         path, host, port, blen);
        for (int h = 0; h < nheaders; h++) n += snprintf(r + n, cap - (size_t)n, "%s\r\n", headers[h]);
        n += snprintf(r + n, cap - (size_t)n, "\r\n");
        memcpy(r + n, body, blen);
        requests[b].bytes = r;
        requests[b].len = (size_t)n + blen;
        free(body);
    }
    if (samples_path) {
        samples_file = fopen(samples_path, "w");
        if (!samples_file) { perror(samples_path); return 2; }
        fprintf(samples_file, "sched_ms,latency_ms,ttfb_ms,first_event_ms,status,body\n");
    }
    if (interval_path) {
        iv_file = fopen(interval_path, "w");
        if (!iv_file) { perror(interval_path); return 2; }
    }

    nconns_alloc = max_conns;
    conns = calloc((size_t)nconns_alloc, sizeof(conn_t));
    for (int i = 0; i < nconns_alloc; i++) conns[i].fd = -1, conns[i].idx = i;
    idle_stack = calloc((size_t)nconns_alloc * 4 + 16, sizeof(int));
    ep = epoll_create1(EPOLL_CLOEXEC);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event tev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

    t0 = now_ns();
    t_warm = t0 + (int64_t)(warmup_s * 1e9);
    t_end = t_warm + (int64_t)(duration_s * 1e9);
    int64_t timeout_ns = (int64_t)(timeout_s * 1e9);
    int64_t drain_deadline = t_end + timeout_ns;
    iv_start = t_warm;
    int64_t next_interval = interval_s > 0 ? t_warm + (int64_t)(interval_s * 1e9) : INT64_MAX;
    int said_measuring = 0, said_done = 0;
    int64_t next_sched = t0;
    int64_t armed = 0;
    int64_t next_check = t0;
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);

    if (closed_loop)
        for (int i = 0; i < max_conns; i++) open_conn();

    struct epoll_event evs[512];
    for (;;) {
        int64_t now = now_ns();
        if (!said_measuring && now >= t_warm) { printf("measuring\n"); fflush(stdout); said_measuring = 1; }
        if (!said_done && now >= t_end) { printf("done\n"); fflush(stdout); said_done = 1; }
        if (!closed_loop) {
            while (next_sched <= now && next_sched < t_end) {
                q_push_back((job_t){next_sched, pick_variant(), 0});
                next_sched += (int64_t)(-log(rng_uniform()) / rate * 1e9);
            }
            pump();
        }
        if (now >= next_interval) {
            interval_flush(now);
            next_interval += (int64_t)(interval_s * 1e9);
        }
        if (now >= next_check) { // time-outs: queued too long, or an answer too slow
            next_check = now + 20000000LL;
            while (q_len > 0 && now - queue[q_head].sched > timeout_ns) {
                job_t j = q_pop();
                record_error(&j, &err_timeout);
            }
            for (int i = 0; i < nconns_alloc; i++) {
                conn_t *c = &conns[i];
                if (c->state == C_BUSY && now - c->job.sched > timeout_ns) {
                    job_t j = c->job;
                    conn_free(c);
                    record_error(&j, &err_timeout);
                }
            }
            if (!closed_loop) pump();
            // closed loop: connections lost (errors, server closes) are replaced here, at most every 20 ms
            while (closed_loop && now < t_end && open_conns < max_conns && open_conn() >= 0) {}
        }
        if (now >= t_end && q_len == 0) {
            int busy = 0;
            for (int i = 0; i < nconns_alloc && !busy; i++) busy = conns[i].state == C_BUSY || (closed_loop && conns[i].state == C_CONNECTING && conns[i].job.sched);
            if (!busy) break;
        }
        if (now >= drain_deadline) break;

        int64_t wake = next_check;
        if (!closed_loop && next_sched < t_end && next_sched < wake) wake = next_sched;
        if (!said_measuring && t_warm < wake) wake = t_warm;
        if (!said_done && t_end < wake) wake = t_end;
        if (next_interval < wake) wake = next_interval;
        if (wake != armed) {
            struct itimerspec its = {0};
            its.it_value.tv_sec = wake / 1000000000LL;
            its.it_value.tv_nsec = wake % 1000000000LL;
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
            armed = wake;
        }
        int n = epoll_wait(ep, evs, 512, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 == UINT32_MAX) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) < 0) { /* nothing */ }
                armed = 0;
                continue;
            }
            conn_t *c = &conns[evs[i].data.u32];
            if (c->state == C_FREE) continue;
            on_event(c, evs[i].events);
        }
    }
    int64_t finished = now_ns();
    if (!said_done) { printf("done\n"); fflush(stdout); }
    // Whatever is still queued or in flight at the drain deadline timed out.
    while (q_len > 0) { job_t j = q_pop(); record_error(&j, &err_timeout); }
    for (int i = 0; i < nconns_alloc; i++)
        if (conns[i].state == C_BUSY) { job_t j = conns[i].job; conn_free(&conns[i]); record_error(&j, &err_timeout); }
    if (iv_file && finished > iv_start + 100000000LL) interval_flush(finished);

    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 ((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) / 1e6;

    FILE *f = stdout;
    if (out_path) { f = fopen(out_path, "w"); if (!f) { perror(out_path); return 2; } }
    long errors = err_connect + err_read + err_timeout + err_parse + err_status;
    fprintf(f, "{\n  \"url\": \"%s\", \"mode\": \"%s\", \"rate\": %.3f, \"connections_max\": %d,\n", url, closed_loop ? "closed" : "open", rate,
            max_conns);
    fprintf(f, "  \"duration_s\": %.3f, \"warmup_s\": %.3f, \"seed\": %llu, \"bodies\": %d,\n", duration_s, warmup_s, (unsigned long long)seed, nbodies);
    fprintf(f, "  \"sent\": %ld, \"completed\": %ld, \"ok\": %ld, \"errors\": %ld, \"retries\": %ld,\n", sent_n, completed_n, ok_n, errors, retries);
    fprintf(f, "  \"error_kinds\": {\"connect\": %ld, \"read\": %ld, \"timeout\": %ld, \"parse\": %ld, \"status\": %ld},\n", err_connect, err_read,
            err_timeout, err_parse, err_status);
    fprintf(f, "  \"status\": {");
    int first = 1;
    for (int s = 0; s < 600; s++)
        if (status_counts[s]) { fprintf(f, "%s\"%d\": %ld", first ? "" : ", ", s, status_counts[s]); first = 0; }
    fprintf(f, "},\n");
    fprintf(f, "  \"achieved_rps\": %.3f, \"ok_in_window\": %ld, \"connections_opened\": %ld, \"queued_max\": %zu, \"loadgen_cpu_s\": %.3f,\n",
            ok_in_window / duration_s, ok_in_window, conns_opened, q_max, cpu);
    pct(f, "latency_ms", &lat, 0);
    pct(f, "ttfb_ms", &ttfb, 0);
    pct(f, "first_event_ms", &ttfe, 0);
    pct(f, "send_lag_ms", &lag, 1);
    fprintf(f, "}\n");
    if (f != stdout) fclose(f);
    if (samples_file) fclose(samples_file);
    if (iv_file) fclose(iv_file);
    for (int i = 0; i < nconns_alloc; i++) if (conns[i].state != C_FREE) conn_free(&conns[i]);
    return 0;
}
