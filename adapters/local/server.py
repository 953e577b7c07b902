"""The HTTP server: the standard library's threading server speaking HTTP/1.1 with keep-alive.

It only reads requests and writes answers; what to answer is the gateway's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from adapters.local.events import HttpRequest
from adapters.local.gateway import MAX_PAYLOAD_BYTES
from adapters.local.proxy import Answer, json_answer
from adapters.local.terminal import log_request

Handle = Callable[[HttpRequest], Answer]
DISCARD_LIMIT = 8 * MAX_PAYLOAD_BYTES  # past this, answer at once and close the connection


class GatewayServer(ThreadingHTTPServer):
    """One thread per connection; connections are kept open between requests."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handle: Handle) -> None:
        self.handle_request_of = handle
        super().__init__(address, _RequestHandler)

    @property
    def port(self) -> int:
        """The port bound (the one picked when asked for port 0)."""
        return int(self.server_address[1])


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK add about 40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "market-api-local"
    sys_version = ""
    server: GatewayServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def _serve(self) -> None:
        started = time.perf_counter()
        body = self._body()
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body or b"",
            source_ip=self.client_address[0],
            port=self.server.port,
            too_large=body is None,
        )
        try:
            answer = self.server.handle_request_of(request)
        except Exception as error:  # a bug of the gateway itself: say so, keep serving
            answer = json_answer(500, {"message": f"local gateway error: {error!r}"})
        self._write(answer)
        log_request(self.command, self.path, answer, (time.perf_counter() - started) * 1000)

    def _body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            self._discard(length)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _discard(self, length: int) -> None:
        """Read an oversized body away so the client sees the answer, not a broken pipe."""
        if length > DISCARD_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _chunked(self) -> bytes | None:
        data = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(data)
            data.extend(self.rfile.read(size))
            self.rfile.readline()
            if len(data) > MAX_PAYLOAD_BYTES:
                self.close_connection = True
                return None

    def _write(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        """The gateway logs each request itself (terminal.log_request)."""
