"""Clients that break HTTP itself, on raw sockets: answered in JSON, recorded as what they were."""
import json
import socket
import time
import urllib.parse
import urllib.request


def raw(demo, payload: bytes, read: bool = True) -> bytes:
    url = urllib.parse.urlparse(demo.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(payload)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def latest_record(demo):
    request = urllib.request.Request(demo.base_url.removesuffix("/v1") + "/admin/requests?limit=1",
                                      headers={"Authorization": f"Bearer {demo.admin_token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        records = json.load(response)
    return records[0] if records else {"status": None}


def test_a_client_that_hangs_up_mid_body_is_recorded_as_499(demo):
    body = json.dumps({"model": "deepseek-chat", "messages": [{"role": "user", "content": "x" * 500}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {demo.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    raw(demo, head + body[:40], read=False)
    for _ in range(50):
        record = latest_record(demo)
        if record["status"] == 499:
            break
        time.sleep(0.1)
    assert record["status"] == 499, record
    assert record.get("cost") in (None, "0", "0.000000000")


def test_malformed_chunked_framing_is_a_400_in_json(demo):
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {demo.key}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    answer = raw(demo, head + b"zz\r\n{}\r\n0\r\n\r\n")
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:200]
    error = json.loads(rest.partition(b"\r\n\r\n")[2])["error"]
    assert error["type"] == "invalid_request_error" and "framing" in error["message"]


def test_unknown_routes_and_methods_answer_in_the_routes_format(demo):
    answer = raw(demo, f"GET /v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-api-key: {demo.key}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 405") or answer.startswith(b"HTTP/1.1 404"), answer[:200]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["type"] == "error" and "error" in body
    answer = raw(demo, b"GET /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 404")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["code"] == "not_found"


def send_then_read(demo, payload: bytes) -> bytes:
    """Sends what it can of `payload` (the server may close before taking all of it) and reads the answer."""
    url = urllib.parse.urlparse(demo.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_a_head_with_ten_thousand_fields_or_a_100_kb_field_is_a_431_in_json(demo):
    many = "".join(f"x-field-{index}: v\r\n" for index in range(10_000))
    for head in (f"GET /health HTTP/1.1\r\nHost: x\r\n{many}\r\n", f"GET /health HTTP/1.1\r\nHost: x\r\nx-big: {'a' * 100_000}\r\n\r\n"):
        answer = send_then_read(demo, head.encode())
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        error = json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
        assert error["code"] == "request_header_too_large" and error["type"] == "invalid_request_error"


def test_a_request_with_both_content_length_and_chunked_framing_is_a_400_in_json(demo):
    answer = send_then_read(demo, (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {demo.key}\r\n"
                                   "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode())
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["type"] == "invalid_request_error"


def post(demo, body: bytes, headers: bytes = b"") -> tuple[int, dict]:
    """A chat completion request with `body` as sent; the status and the JSON answer."""
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {demo.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode() + headers + b"\r\n"
    answer = send_then_read(demo, head + body)
    status = int(answer.split(b" ", 2)[1])
    return status, json.loads(answer.partition(b"\r\n\r\n")[2])


def test_hostile_json_bodies_get_a_bounded_clear_400(demo):
    cases = {
        "a number too large for any type": b'{"model": "deepseek-chat", "max_tokens": 1e400, "messages": [{"role": "user", "content": "hi"}]}',
        "a huge integer": b'{"model": "deepseek-chat", "max_tokens": 99999999999999999999999999, "messages": [{"role": "user", "content": "hi"}]}',
        "a negative limit": b'{"model": "deepseek-chat", "max_tokens": -5, "messages": [{"role": "user", "content": "hi"}]}',
        "messages that are not a list": b'{"model": "deepseek-chat", "messages": "hi"}',
        "a model that is not a string": b'{"model": ["deepseek-chat"], "messages": [{"role": "user", "content": "hi"}]}',
        "a lone surrogate escape": b'{"model": "deepseek-chat", "messages": [{"role": "user", "content": "\\ud800"}]}',
        "trailing garbage": b'{"model": "deepseek-chat", "messages": []} {}',
    }
    for name, body in cases.items():
        status, answer = post(demo, body)
        assert status == 400, (name, status, answer)
        assert answer["error"]["type"] == "invalid_request_error" and answer["error"]["message"], name


def test_duplicate_keys_are_read_as_one_value_not_a_crash(demo):
    status, answer = post(demo, b'{"model": "deepseek-chat", "model": "deepseek-chat", "max_tokens": 4, '
                                b'"messages": [{"role": "user", "content": "hi"}]}')
    assert status in (200, 400), answer
    assert ("choices" in answer) if status == 200 else answer["error"]["type"] == "invalid_request_error"


def test_invalid_utf8_in_a_header_is_refused_or_ignored_never_a_5xx(demo):
    status, answer = post(demo, b'{"model": "deepseek-chat", "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]}',
                          headers=b"x-tollgate-session: \xff\xfe\xfd\r\n")
    assert status == 400, (status, answer)
    assert "x-tollgate-session" in answer["error"]["message"]
