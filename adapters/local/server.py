"""The HTTP server: the standard library's threading server speaking HTTP/1.1 with keep-alive.

It only reads requests and writes answers; what to answer is the gateway's business, except
for requests it cannot read: a request line or header over 64 KiB, too many headers, a
malformed request line, a malformed `Content-Length` or chunked body. Those it refuses
itself, with the answer `refuse` makes of a status and a message (the gateway renders the
API's DEFAULT_4XX or DEFAULT_5XX response, CORS headers included), and then closes the
connection.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from adapters.local.events import HttpRequest
from adapters.local.gateway import MAX_PAYLOAD_BYTES
from adapters.local.proxy import Answer, json_answer
from adapters.local.terminal import log_request

Handle = Callable[[HttpRequest], Answer]
Refuse = Callable[[int, str], Answer]
DISCARD_LIMIT = 8 * MAX_PAYLOAD_BYTES  # past this, answer at once and close the connection
LINE_LIMIT = 65536  # the longest chunk-size or trailer line read, as http.server's header lines
LINGER_SECONDS = 1.0  # how long a refused request's unread input is read away before closing
_DECIMAL = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")


class MalformedRequest(ValueError):
    """The request's framing cannot be read: its body's length is unknown."""


class GatewayServer(ThreadingHTTPServer):
    """One thread per connection; connections are kept open between requests."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handle: Handle, refuse: Refuse) -> None:
        self.handle_request_of = handle
        self.refuse = refuse
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
        try:
            body = self._body()
        except MalformedRequest as error:
            self._refuse(self.server.refuse(HTTPStatus.BAD_REQUEST, str(error)))
            return
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
        length = self._content_length()
        if length > MAX_PAYLOAD_BYTES:
            self._discard(length)
            return None
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            raise MalformedRequest("The body is shorter than its Content-Length.")
        return body

    def _content_length(self) -> int:
        """The one `Content-Length` (repeats must agree), digits only; 0 when there is none."""
        values = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if not values:
            return 0
        if len(values) > 1:
            raise MalformedRequest("The request has conflicting Content-Length headers.")
        value = values.pop()
        if not _DECIMAL.fullmatch(value.encode("utf-8", "replace")):
            raise MalformedRequest("The Content-Length header is not a number.")
        return int(value)

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
            line = self.rfile.readline(LINE_LIMIT + 1)
            size_text = line.split(b";", 1)[0].strip()
            if len(line) > LINE_LIMIT or not line.endswith(b"\n") or not _HEX.fullmatch(size_text):
                raise MalformedRequest("The chunked body has a malformed chunk size.")
            size = int(size_text, 16)
            if size == 0:
                self._skip_trailers()
                return bytes(data)
            if len(data) + size > MAX_PAYLOAD_BYTES:
                self.close_connection = True
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise MalformedRequest("The chunked body has a malformed chunk.")
            data.extend(chunk)

    def _skip_trailers(self) -> None:
        while True:
            line = self.rfile.readline(LINE_LIMIT + 1)
            if line in (b"\r\n", b"\n"):
                return
            if not line.endswith(b"\n"):
                raise MalformedRequest("The chunked body has a malformed trailer.")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error http.server answers by itself: the gateway's JSON error with CORS
        headers instead of an HTML page. Its own messages can quote the request; the answer
        names the status only."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Bad Request"
        self._refuse(self.server.refuse(code, phrase))

    def _refuse(self, answer: Answer) -> None:
        """Answer a request that could not be read, then close the connection: what is left
        of the request cannot be told apart from the next one."""
        started = time.perf_counter()
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # the request line was not read in full
            self.request_version = self.protocol_version
        try:
            self._write(answer)
            self.wfile.flush()
        except OSError:
            return
        log_request(
            self.command or "-",
            getattr(self, "path", "") or "-",
            answer,
            (time.perf_counter() - started) * 1000,
        )
        self._linger()

    def _linger(self) -> None:
        """Close the sending side, then read away what the client still sends for a while:
        closing with unread input would reset the connection, and could lose the answer."""
        connection: socket.socket = self.connection
        try:
            connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            left = DISCARD_LIMIT
            while left > 0 and (remaining := deadline - time.monotonic()) > 0:
                connection.settimeout(remaining)
                chunk = connection.recv(min(left, 1 << 16))
                if not chunk:
                    return
                left -= len(chunk)
        except OSError:
            return

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
