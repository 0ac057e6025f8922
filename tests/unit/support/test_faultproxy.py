from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.support.faultproxy import Fault, FaultProxy

# Far longer than any test waits: a delayed request only ends through shutdown.
_LONG_DELAY_S = 60.0


class _EchoHandler(BaseHTTPRequestHandler):
    """Answer every request with its method, path and body as JSON; /status/N answers N."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    def _reply(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server: _EchoServer = self.server  # type: ignore[assignment]
        server.paths.append(self.path)
        status = int(self.path.split("/")[2]) if self.path.startswith("/status/") else 200
        payload = json.dumps(
            {"method": self.command, "path": self.path, "body": body.decode()}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _reply


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.paths: list[str] = []


@pytest.fixture
def upstream() -> Iterator[_EchoServer]:
    server = _EchoServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def proxy(upstream: _EchoServer) -> Iterator[FaultProxy]:
    with FaultProxy(f"http://127.0.0.1:{upstream.server_port}") as running:
        yield running


@pytest.fixture
def client(proxy: FaultProxy) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=proxy.url, timeout=5.0) as http:
        yield http


def test_forwarding_relays_method_path_body_status_and_headers(client: httpx.Client) -> None:
    response = client.post("/v1/chat/completions?stream=false", json={"model": "m"})
    assert response.status_code == 200
    assert response.headers["x-upstream"] == "echo"
    assert response.json() == {
        "method": "POST",
        "path": "/v1/chat/completions?stream=false",
        "body": '{"model":"m"}',
    }
    assert client.get("/status/404").status_code == 404
    assert client.put("/items/1", content=b"x").json()["method"] == "PUT"


def test_keep_alive_client_gets_every_response_on_one_connection(client: httpx.Client) -> None:
    responses = [client.post("/echo", content=f"request {i}".encode()) for i in range(20)]
    assert [r.json()["body"] for r in responses] == [f"request {i}" for i in range(20)]
    local_ends = {r.extensions["network_stream"].get_extra_info("client_addr") for r in responses}
    assert len(local_ends) == 1


def test_chunked_request_body_reaches_upstream_whole(client: httpx.Client) -> None:
    response = client.post("/echo", content=iter([b"ab", b"cd", b"ef"]))
    assert response.json()["body"] == "abcdef"


def test_head_request_gets_headers_without_body(client: httpx.Client) -> None:
    response = client.head("/anything")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["x-upstream"] == "echo"


def test_rate_limit_answers_429_with_retry_after_then_forwards(
    proxy: FaultProxy, client: httpx.Client, upstream: _EchoServer
) -> None:
    proxy.push(Fault.status(429, retry_after=1.0, times=2))
    limited = [client.post("/v1/chat/completions", json={}) for _ in range(2)]
    passed = client.post("/v1/chat/completions", json={})
    for response in limited:
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["code"] == 429
    assert passed.status_code == 200
    assert upstream.paths == ["/v1/chat/completions"]


def test_server_error_fault_applies_once(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.push(Fault.status(500))
    assert client.get("/a").status_code == 500
    assert client.get("/a").status_code == 200


def test_queued_faults_apply_in_order(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.push(Fault.status(503))
    proxy.push(Fault.status(429, times=2))
    statuses = [client.get("/a").status_code for _ in range(4)]
    assert statuses == [503, 429, 429, 200]


def test_drop_closes_the_connection_without_a_response(
    proxy: FaultProxy, client: httpx.Client, upstream: _EchoServer
) -> None:
    proxy.push(Fault.drop())
    with pytest.raises(httpx.TransportError):
        client.post("/v1/chat/completions", json={"q": 1})
    assert client.get("/after").status_code == 200
    assert upstream.paths == ["/after"]


def test_delay_makes_client_time_out_and_does_not_block_shutdown(upstream: _EchoServer) -> None:
    proxy = FaultProxy(f"http://127.0.0.1:{upstream.server_port}")
    proxy.start()
    proxy.push(Fault.delay(_LONG_DELAY_S))
    try:
        timeout = httpx.Timeout(5.0, read=0.2)
        with (
            httpx.Client(base_url=proxy.url, timeout=timeout) as http,
            pytest.raises(httpx.ReadTimeout),
        ):
            http.get("/slow")
    finally:
        closer = threading.Thread(target=proxy.close)
        closer.start()
        closer.join(timeout=5.0)
    assert not closer.is_alive(), "close() waited on a sleeping handler"
    assert upstream.paths == []


def test_short_delay_still_forwards(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.push(Fault.delay(0.05))
    assert client.get("/late").json()["path"] == "/late"
    assert [r.fault for r in proxy.requests] == ["delay"]


def test_request_log_records_bodies_faults_and_statuses(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.push(Fault.status(429))
    proxy.push(Fault.drop())
    client.post("/v1/chat/completions", content=b"first", headers={"X-Trace": "t1"})
    with pytest.raises(httpx.TransportError):
        client.post("/v1/chat/completions", content=b"second")
    client.post("/v1/embeddings", content=b"third")

    log = proxy.requests
    assert [(r.method, r.path, r.body) for r in log] == [
        ("POST", "/v1/chat/completions", b"first"),
        ("POST", "/v1/chat/completions", b"second"),
        ("POST", "/v1/embeddings", b"third"),
    ]
    assert [(r.fault, r.status) for r in log] == [("status:429", 429), ("drop", None), (None, 200)]
    assert log[0].headers["x-trace"] == "t1"
    assert proxy.count() == 3
    assert proxy.count("/v1/chat") == 2
    proxy.clear()
    assert proxy.requests == [] and proxy.count() == 0
    assert len(log) == 3  # the earlier copy is not touched by clear()


def test_default_mode_holds_after_the_queue_until_changed(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_default(Fault.status(500))
    proxy.push(Fault.status(429))
    assert [client.get("/a").status_code for _ in range(3)] == [429, 500, 500]
    proxy.set_default("drop")
    with pytest.raises(httpx.TransportError):
        client.get("/a")
    proxy.set_default("forward")
    assert client.get("/a").status_code == 200


def test_without_upstream_requests_answer_502_and_faults_still_apply() -> None:
    with FaultProxy(None) as proxy, httpx.Client(base_url=proxy.url, timeout=5.0) as http:
        proxy.push(Fault.status(503))
        assert http.get("/v1/models").status_code == 503
        response = http.post("/v1/chat/completions", json={})
        assert response.status_code == 502
        assert "error" in response.json()
    assert [r.status for r in proxy.requests] == [503, 502]


def test_unreachable_upstream_answers_502() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    with FaultProxy(f"http://127.0.0.1:{port}") as proxy:
        assert httpx.get(f"{proxy.url}/v1/models", timeout=5.0).status_code == 502


def test_invalid_faults_and_modes_are_refused(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError):
        Fault.status(429, times=0)
    with pytest.raises(ValueError):
        Fault.status(42)
    with pytest.raises(ValueError):
        proxy.set_default("stall")  # type: ignore[arg-type]
