"""A real HTTP server on loopback that serves files like GroupLens/IMDb (with Range support).

The ``publisher`` fixture is registered by the conftests of the test packages that download
(``tests/datasets``, ``tests/recommendations``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Publisher:
    """Files to serve by URL path, and what the server saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range)
    #: path -> number of bytes after which the next response for it is cut off (once).
    cut_after: dict[str, int] = field(default_factory=dict)
    url: str = ""

    def gets(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)


def _handler(publisher: Publisher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            range_header = self.headers.get("Range")
            publisher.requests.append((self.path, range_header))
            body = publisher.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = 0
            if range_header and range_header.startswith("bytes="):
                start = int(range_header[6:].split("-")[0])
                if start >= len(body):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            cut = publisher.cut_after.pop(self.path, None)
            if cut is not None:
                self.wfile.write(payload[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    state = Publisher()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
