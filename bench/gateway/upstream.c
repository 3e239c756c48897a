// A fixed-latency fake OpenAI Chat Completions upstream for bench/gateway/run.sh.
//
//   upstream --port P [--latency-ms L] [--gap-ms G] [--words N] [--threads T] [--host 127.0.0.1]
//
// Answers POST /v1/chat/completions (and /chat/completions) after L ms (a timer, never a sleep):
// a `chat.completion` JSON with usage, or with `"stream": true` a text/event-stream of
// `chat.completion.chunk` events (role, N one-word content deltas, finish_reason, a usage chunk
// with empty choices when `stream_options.include_usage` is true, `data: [DONE]`), the first
// event after L ms and the others G ms apart (default 0: all at once). GET /v1/models answers a
// list of one model. HTTP/1.1 keep-alive, request bodies by Content-Length or chunked, pipelined
// requests answered in order. Single-threaded epoll per thread; T threads share the port with
// SO_REUSEPORT. Prints "listening PORT" on standard output once it accepts connections.
// Field shapes follow Sources/SimulatedProviders/FakeCompletion.swift (OpenAI style).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (4 << 20)

static int opt_port = 0;
static const char *opt_host = "127.0.0.1";
static long opt_latency_ms = 0;
static long opt_gap_ms = 0;
static int opt_words = 12;
static int opt_threads = 1;

static const char *vocabulary[] = {
    "the", "gateway", "meters", "every", "token", "and", "settles", "each", "request", "on",
    "a", "ledger", "so", "that", "budgets", "hold", "while", "agents", "work", "through",
    "long", "tasks", "with", "cheap", "models", "for", "routine", "steps", "premium", "ones",
};
#define VOCABULARY_COUNT (sizeof(vocabulary) / sizeof(vocabulary[0]))

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// ---------- growable byte buffer ----------
typedef struct {
    char *data;
    size_t len, cap, off; // off: bytes already consumed (written or parsed)
} buf_t;

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    if (b->off > 0) { // compact first
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->len + extra <= b->cap) return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) { perror("realloc"); exit(1); }
    b->cap = cap;
}

static void buf_append(buf_t *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < room) { b->len += (size_t)n; return; }
        buf_reserve(b, (size_t)n + 1);
    }
}

static size_t buf_avail(const buf_t *b) { return b->len - b->off; }
static char *buf_head(const buf_t *b) { return b->data + b->off; }
static void buf_consume(buf_t *b, size_t n) {
    b->off += n;
    if (b->off == b->len) b->off = b->len = 0;
}

// ---------- connections and timers ----------
enum { ST_READING, ST_WAITING, ST_STREAMING };

typedef struct {
    int fd;
    uint32_t gen;
    int state;
    int close_after;
    int want_out; // EPOLLOUT registered
    buf_t in, out;
    // the request being answered
    char model[128];
    int stream, include_usage, max_tokens, prompt_tokens;
    char id[40];
    long created;
    int next_event; // streaming: index of the next event to send
} conn_t;

typedef struct {
    int64_t deadline;
    int fd;
    uint32_t gen;
} timer_t_;

typedef struct {
    int ep, listen_fd, tfd;
    conn_t **conns;
    int nconns;
    timer_t_ *heap;
    int heap_len, heap_cap;
    int64_t armed; // deadline the timerfd is armed for (0: none)
    uint64_t counter;
    int thread_index;
} worker_t;

static void heap_push(worker_t *w, timer_t_ t) {
    if (w->heap_len == w->heap_cap) {
        w->heap_cap = w->heap_cap ? w->heap_cap * 2 : 256;
        w->heap = realloc(w->heap, sizeof(timer_t_) * (size_t)w->heap_cap);
    }
    int i = w->heap_len++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (w->heap[p].deadline <= t.deadline) break;
        w->heap[i] = w->heap[p];
        i = p;
    }
    w->heap[i] = t;
}

static timer_t_ heap_pop(worker_t *w) {
    timer_t_ top = w->heap[0];
    timer_t_ last = w->heap[--w->heap_len];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        timer_t_ *mt = &last;
        if (l < w->heap_len && w->heap[l].deadline < mt->deadline) { m = l; mt = &w->heap[l]; }
        if (r < w->heap_len && w->heap[r].deadline < mt->deadline) { m = r; mt = &w->heap[r]; }
        if (m == i) break;
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (w->heap_len > 0) w->heap[i] = last;
    return top;
}

static void arm_timer(worker_t *w) {
    int64_t want = w->heap_len ? w->heap[0].deadline : 0;
    if (want == w->armed) return;
    struct itimerspec its = {0};
    if (want) {
        its.it_value.tv_sec = want / 1000000000LL;
        its.it_value.tv_nsec = want % 1000000000LL;
    }
    timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    w->armed = want;
}

static conn_t *conn_get(worker_t *w, int fd) {
    if (fd >= w->nconns) {
        int n = w->nconns ? w->nconns : 1024;
        while (n <= fd) n *= 2;
        w->conns = realloc(w->conns, sizeof(conn_t *) * (size_t)n);
        memset(w->conns + w->nconns, 0, sizeof(conn_t *) * (size_t)(n - w->nconns));
        w->nconns = n;
    }
    if (!w->conns[fd]) w->conns[fd] = calloc(1, sizeof(conn_t));
    return w->conns[fd];
}

static void conn_close(worker_t *w, conn_t *c) {
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->gen++;
    c->fd = -1;
    c->in.len = c->in.off = 0;
    c->out.len = c->out.off = 0;
    c->state = ST_READING;
    c->want_out = 0;
    c->close_after = 0;
}

static void set_out_interest(worker_t *w, conn_t *c, int want) {
    if (c->want_out == want) return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0), .data.fd = c->fd};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
}

static void process_input(worker_t *w, conn_t *c);

// Writes what is buffered; returns -1 when the connection was closed.
static int flush_out(worker_t *w, conn_t *c) {
    while (buf_avail(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_head(&c->out), buf_avail(&c->out), MSG_NOSIGNAL);
        if (n > 0) { buf_consume(&c->out, (size_t)n); continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { set_out_interest(w, c, 1); return 0; }
        conn_close(w, c);
        return -1;
    }
    set_out_interest(w, c, 0);
    return 0;
}

// ---------- request parsing helpers ----------
static int header_is(const char *line, size_t len, const char *name) {
    size_t n = strlen(name);
    return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen) {
    const char *v = line + strlen(name) + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    *vlen = (size_t)(end - v);
    return v;
}

static const char *memfind(const char *hay, size_t n, const char *needle) {
    return memmem(hay, n, needle, strlen(needle));
}

// The value after `"key"` `:` in a JSON text, found crudely (the bench's requests are simple).
static const char *json_value(const char *body, size_t n, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = memfind(body, n, pattern);
    if (!p) return NULL;
    const char *end = body + n;
    p += strlen(pattern);
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p >= end || *p != ':') return NULL;
    p++;
    while (p < end && isspace((unsigned char)*p)) p++;
    return p < end ? p : NULL;
}

static int json_true(const char *body, size_t n, const char *key) {
    const char *v = json_value(body, n, key);
    return v && (size_t)(body + n - v) >= 4 && memcmp(v, "true", 4) == 0;
}

// Decodes a chunked body that starts at p (n bytes available). Returns the bytes the chunked
// encoding took (0 when incomplete, -1 when malformed) and appends the data to *body.
static long dechunk(const char *p, size_t n, buf_t *body) {
    size_t i = 0;
    for (;;) {
        const char *eol = memfind(p + i, n - i, "\r\n");
        if (!eol) return 0;
        char *endp;
        unsigned long size = strtoul(p + i, &endp, 16);
        if (endp == p + i) return -1;
        size_t data = (size_t)(eol - p) + 2;
        if (size == 0) { // trailers until an empty line
            size_t j = data;
            for (;;) {
                const char *e = memfind(p + j, n - j, "\r\n");
                if (!e) return 0;
                if (e == p + j) return (long)(j + 2);
                j = (size_t)(e - p) + 2;
            }
        }
        if (data + size + 2 > n) return 0;
        buf_append(body, p + data, size);
        i = data + size + 2;
    }
}

static void respond_simple(worker_t *w, conn_t *c, int status, const char *reason, const char *body) {
    buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
               status, reason, strlen(body), c->close_after ? "Connection: close\r\n" : "", body);
    (void)w;
}

static void append_usage(buf_t *b, conn_t *c, int completion) {
    buf_printf(b,
               "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d,"
               "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}",
               c->prompt_tokens, completion, c->prompt_tokens + completion);
}

static int completion_words(conn_t *c) {
    int n = opt_words;
    if (c->max_tokens >= 0 && c->max_tokens < n) n = c->max_tokens;
    return n;
}

static const char *finish_reason(conn_t *c) { return completion_words(c) < opt_words ? "length" : "stop"; }

static void chunk_prefix(buf_t *b, conn_t *c) {
    buf_printf(b, "{\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%ld,\"model\":\"%s\",\"system_fingerprint\":\"fp_bench\",",
               c->id, c->created, c->model);
}

// Event k of a stream (0: role, 1..N: words, N+1: finish, N+2: usage if asked, last: [DONE]),
// appended as one HTTP chunk. Returns 0 after the last event.
static int append_event(conn_t *c, int k) {
    int words = completion_words(c);
    buf_t ev = {0};
    int more = 1;
    const char *usage_null = c->include_usage ? ",\"usage\":null" : "";
    if (k == 0) {
        buf_append(&ev, "data: ", 6);
        chunk_prefix(&ev, c);
        buf_printf(&ev, "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]%s}\n\n", usage_null);
    } else if (k <= words) {
        buf_append(&ev, "data: ", 6);
        chunk_prefix(&ev, c);
        buf_printf(&ev, "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s%s\"},\"logprobs\":null,\"finish_reason\":null}]%s}\n\n",
                   k == 1 ? "" : " ", vocabulary[(size_t)(k - 1) * 7 % VOCABULARY_COUNT], usage_null);
    } else if (k == words + 1) {
        buf_append(&ev, "data: ", 6);
        chunk_prefix(&ev, c);
        buf_printf(&ev, "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"%s\"}]%s}\n\n", finish_reason(c), usage_null);
    } else if (k == words + 2 && c->include_usage) {
        buf_append(&ev, "data: ", 6);
        chunk_prefix(&ev, c);
        buf_append(&ev, "\"choices\":[],", 13);
        append_usage(&ev, c, words);
        buf_append(&ev, "}\n\n", 3);
    } else {
        buf_append(&ev, "data: [DONE]\n\n", 14);
        more = 0;
    }
    buf_printf(&c->out, "%zx\r\n", ev.len);
    buf_append(&c->out, ev.data, ev.len);
    buf_append(&c->out, "\r\n", 2);
    if (!more) buf_append(&c->out, "0\r\n\r\n", 5);
    free(ev.data);
    return more;
}

// Sends the answer (or its next stream events) when the timer fires.
static void answer(worker_t *w, conn_t *c) {
    if (!c->stream) {
        int words = completion_words(c);
        buf_t body = {0};
        buf_printf(&body, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%ld,\"model\":\"%s\",\"system_fingerprint\":\"fp_bench\","
                          "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"",
                   c->id, c->created, c->model);
        for (int i = 0; i < words; i++) {
            if (i) buf_append(&body, " ", 1);
            const char *word = vocabulary[(size_t)i * 7 % VOCABULARY_COUNT];
            buf_append(&body, word, strlen(word));
        }
        buf_printf(&body, "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}],", finish_reason(c));
        append_usage(&body, c, words);
        buf_append(&body, "}", 1);
        buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n", body.len,
                   c->close_after ? "Connection: close\r\n" : "");
        buf_append(&c->out, body.data, body.len);
        free(body.data);
        c->state = ST_READING;
    } else {
        if (c->next_event == 0) {
            buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n%s\r\n",
                       c->close_after ? "Connection: close\r\n" : "");
        }
        int more;
        do {
            more = append_event(c, c->next_event++);
        } while (more && opt_gap_ms == 0);
        if (more) {
            c->state = ST_STREAMING;
            heap_push(w, (timer_t_){now_ns() + opt_gap_ms * 1000000LL, c->fd, c->gen});
        } else {
            c->state = ST_READING;
        }
    }
    if (flush_out(w, c) < 0) return;
    if (c->state == ST_READING) {
        if (c->close_after) {
            if (buf_avail(&c->out) == 0) conn_close(w, c);
            return;
        }
        process_input(w, c);
    }
}

// Parses the next complete request in the input buffer, if any, and answers or schedules it.
static void process_input(worker_t *w, conn_t *c) {
    while (c->fd >= 0 && c->state == ST_READING && buf_avail(&c->in) > 0) {
        char *p = buf_head(&c->in);
        size_t n = buf_avail(&c->in);
        const char *head_end = memfind(p, n, "\r\n\r\n");
        if (!head_end) {
            if (n > 65536) { c->close_after = 1; respond_simple(w, c, 431, "Request Header Fields Too Large", "{}"); flush_out(w, c); if (c->fd >= 0) conn_close(w, c); }
            return;
        }
        size_t head_len = (size_t)(head_end - p) + 4;
        // request line
        const char *eol = memfind(p, head_len, "\r\n");
        char method[16] = {0}, path[256] = {0}, version[16] = {0};
        {
            char line[512];
            size_t ll = (size_t)(eol - p) < sizeof line - 1 ? (size_t)(eol - p) : sizeof line - 1;
            memcpy(line, p, ll);
            line[ll] = 0;
            if (sscanf(line, "%15s %255s %15s", method, path, version) != 3) {
                c->close_after = 1;
                respond_simple(w, c, 400, "Bad Request", "{\"error\":{\"message\":\"bad request line\"}}");
                flush_out(w, c);
                if (c->fd >= 0) conn_close(w, c);
                return;
            }
        }
        long content_length = -1;
        int chunked = 0, close_conn = strcmp(version, "HTTP/1.0") == 0, expect = 0;
        const char *line = eol + 2;
        while (line < head_end + 2) {
            const char *le = memfind(line, (size_t)(head_end + 2 - line), "\r\n");
            if (!le) break;
            size_t len = (size_t)(le - line), vlen;
            const char *v;
            if (header_is(line, len, "content-length")) {
                v = header_value(line, len, "content-length", &vlen);
                content_length = strtol(v, NULL, 10);
            } else if (header_is(line, len, "transfer-encoding")) {
                v = header_value(line, len, "transfer-encoding", &vlen);
                if (memfind(v, vlen, "chunked")) chunked = 1;
            } else if (header_is(line, len, "connection")) {
                v = header_value(line, len, "connection", &vlen);
                if (vlen >= 5 && strncasecmp(v, "close", 5) == 0) close_conn = 1;
                if (vlen >= 10 && strncasecmp(v, "keep-alive", 10) == 0) close_conn = 0;
            } else if (header_is(line, len, "expect")) {
                expect = 1;
            }
            line = le + 2;
        }
        // body
        buf_t body = {0};
        size_t total;
        if (chunked) {
            long used = dechunk(p + head_len, n - head_len, &body);
            if (used < 0) { free(body.data); c->close_after = 1; respond_simple(w, c, 400, "Bad Request", "{}"); flush_out(w, c); if (c->fd >= 0) conn_close(w, c); return; }
            if (used == 0) {
                free(body.data);
                if (expect && buf_avail(&c->out) == 0 && n == head_len) buf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25), flush_out(w, c);
                if (n > MAX_REQUEST) { c->close_after = 1; respond_simple(w, c, 413, "Payload Too Large", "{}"); flush_out(w, c); if (c->fd >= 0) conn_close(w, c); }
                return;
            }
            total = head_len + (size_t)used;
        } else {
            size_t cl = content_length > 0 ? (size_t)content_length : 0;
            if (cl > MAX_REQUEST) { c->close_after = 1; respond_simple(w, c, 413, "Payload Too Large", "{}"); flush_out(w, c); if (c->fd >= 0) conn_close(w, c); return; }
            if (n < head_len + cl) {
                if (expect && n == head_len) buf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25), flush_out(w, c);
                return;
            }
            buf_append(&body, p + head_len, cl);
            total = head_len + cl;
        }
        c->close_after = close_conn;
        const char *b = body.data ? body.data : "";
        size_t bn = body.len;
        char *query = strchr(path, '?');
        if (query) *query = 0;
        if (strcmp(method, "POST") == 0 && (strcmp(path, "/v1/chat/completions") == 0 || strcmp(path, "/chat/completions") == 0)) {
            const char *m = json_value(b, bn, "model");
            c->model[0] = 0;
            if (m && *m == '"') {
                const char *q = memchr(m + 1, '"', (size_t)(b + bn - m - 1));
                size_t ml = q ? (size_t)(q - m - 1) : 0;
                if (ml >= sizeof c->model) ml = sizeof c->model - 1;
                memcpy(c->model, m + 1, ml);
                c->model[ml] = 0;
            }
            if (!c->model[0]) {
                respond_simple(w, c, 400, "Bad Request", "{\"error\":{\"message\":\"Invalid request body\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
                buf_consume(&c->in, total);
                free(body.data);
                if (flush_out(w, c) < 0) return;
                continue;
            }
            c->stream = json_true(b, bn, "stream");
            c->include_usage = c->stream && json_true(b, bn, "include_usage");
            const char *mt = json_value(b, bn, "max_completion_tokens");
            if (!mt) mt = json_value(b, bn, "max_tokens");
            c->max_tokens = mt && isdigit((unsigned char)*mt) ? atoi(mt) : -1;
            c->prompt_tokens = (int)(bn / 4) + 3;
            snprintf(c->id, sizeof c->id, "chatcmpl-bench%d-%llu", w->thread_index, (unsigned long long)++w->counter);
            c->created = (long)time(NULL);
            c->next_event = 0;
            buf_consume(&c->in, total);
            free(body.data);
            if (opt_latency_ms > 0) {
                c->state = ST_WAITING;
                heap_push(w, (timer_t_){now_ns() + opt_latency_ms * 1000000LL, c->fd, c->gen});
                return;
            }
            answer(w, c); // answers, then goes on with the next pipelined request
            return;
        }
        if ((strcmp(method, "GET") == 0) && strcmp(path, "/v1/models") == 0) {
            respond_simple(w, c, 200, "OK", "{\"object\":\"list\",\"data\":[{\"id\":\"bench\",\"object\":\"model\",\"created\":0,\"owned_by\":\"bench\"}]}");
        } else if (strcmp(method, "GET") == 0 && (strcmp(path, "/health") == 0 || strcmp(path, "/") == 0)) {
            respond_simple(w, c, 200, "OK", "{\"status\":\"ok\"}");
        } else {
            respond_simple(w, c, 404, "Not Found", "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
        buf_consume(&c->in, total);
        free(body.data);
        if (flush_out(w, c) < 0) return;
        if (c->close_after) { if (buf_avail(&c->out) == 0) conn_close(w, c); return; }
    }
}

static int make_listener(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
    if (inet_pton(AF_INET, opt_host, &a.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", opt_host); exit(2); }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); exit(1); }
    if (listen(fd, 4096) < 0) { perror("listen"); exit(1); }
    if (opt_port == 0) { // the first listener picks the port; the other threads share it
        socklen_t len = sizeof a;
        getsockname(fd, (struct sockaddr *)&a, &len);
        opt_port = ntohs(a.sin_port);
    }
    return fd;
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(w->ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            exit(1);
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == w->listen_fd) {
                for (;;) {
                    int cfd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0) break;
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *c = conn_get(w, cfd);
                    c->fd = cfd;
                    c->state = ST_READING;
                    c->want_out = 0;
                    c->close_after = 0;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = cfd};
                    epoll_ctl(w->ep, EPOLL_CTL_ADD, cfd, &ev);
                }
                continue;
            }
            if (fd == w->tfd) {
                uint64_t expirations;
                if (read(w->tfd, &expirations, sizeof expirations) < 0) { /* spurious */ }
                w->armed = 0;
                int64_t now = now_ns();
                while (w->heap_len && w->heap[0].deadline <= now) {
                    timer_t_ t = heap_pop(w);
                    conn_t *c = t.fd < w->nconns ? w->conns[t.fd] : NULL;
                    if (!c || c->fd != t.fd || c->gen != t.gen) continue; // closed meanwhile
                    if (c->state == ST_WAITING || c->state == ST_STREAMING) answer(w, c);
                }
                continue;
            }
            conn_t *c = fd < w->nconns ? w->conns[fd] : NULL;
            if (!c || c->fd != fd) continue;
            if (evs[i].events & EPOLLOUT) {
                if (flush_out(w, c) < 0) continue;
                if (buf_avail(&c->out) == 0 && c->state == ST_READING) {
                    if (c->close_after) { conn_close(w, c); continue; }
                    process_input(w, c);
                    if (c->fd < 0) continue;
                }
            }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                int closed = 0;
                for (;;) {
                    buf_reserve(&c->in, 16384);
                    ssize_t r = recv(fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
                    if (r > 0) { c->in.len += (size_t)r; if (buf_avail(&c->in) > MAX_REQUEST + 65536) { closed = 1; break; } continue; }
                    if (r < 0 && errno == EINTR) continue;
                    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                    closed = 1; // EOF or error: the client left (a pending answer is dropped)
                    break;
                }
                if (closed) { conn_close(w, c); continue; }
                if (c->state == ST_READING && buf_avail(&c->out) == 0) process_input(w, c);
            }
        }
        arm_timer(w);
    }
    return NULL;
}

static void usage(void) {
    fprintf(stderr, "usage: upstream [--port P] [--host H] [--latency-ms L] [--gap-ms G] [--words N] [--threads T]\n");
    exit(2);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v) opt_port = atoi(v), i++;
        else if (!strcmp(a, "--host") && v) opt_host = v, i++;
        else if (!strcmp(a, "--latency-ms") && v) opt_latency_ms = atol(v), i++;
        else if (!strcmp(a, "--gap-ms") && v) opt_gap_ms = atol(v), i++;
        else if (!strcmp(a, "--words") && v) opt_words = atoi(v), i++;
        else if (!strcmp(a, "--threads") && v) opt_threads = atoi(v), i++;
        else usage();
    }
    if (opt_threads < 1) opt_threads = 1;
    signal(SIGPIPE, SIG_IGN);
    worker_t *workers = calloc((size_t)opt_threads, sizeof(worker_t));
    for (int t = 0; t < opt_threads; t++) {
        worker_t *w = &workers[t];
        w->thread_index = t;
        w->listen_fd = make_listener();
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = w->listen_fd};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->listen_fd, &ev);
        struct epoll_event tev = {.events = EPOLLIN, .data.fd = w->tfd};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &tev);
    }
    printf("listening %d\n", opt_port);
    fflush(stdout);
    for (int t = 1; t < opt_threads; t++) {
        pthread_t th;
        pthread_create(&th, NULL, worker_main, &workers[t]);
    }
    worker_main(&workers[0]);
    return 0;
}
