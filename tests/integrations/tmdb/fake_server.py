"""A loopback HTTP server that answers like TMDb API v3, with scriptable failures.

The movies it serves are invented for the tests (no TMDb data is copied). By default it
behaves like TMDb: ``/3/movie/{id}`` and ``/3/configuration`` with an ``api_key`` query
parameter or a Bearer token, 401 and 404 with TMDb's error bodies. :meth:`FakeTmdb.script`
queues special answers (429, 500, slow, truncated, malformed) for a path; they are used
first, in order, before the default behaviour resumes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "0123456789abcdef0123456789abcdef"
# Shaped like a v4 read-access token (header.payload.signature, base64url); not a real one.
READ_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ0ZXN0In0.c2lnbmF0dXJlLW5vdC1yZWFs"

NOT_FOUND_BODY = {
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
    "success": False,
}
INVALID_KEY_BODY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
RATE_LIMIT_BODY = {
    "status_code": 25,
    "status_message": "Your request count (#) is over the allowed limit of (40).",
    "success": False,
}
INTERNAL_ERROR_BODY = {
    "status_code": 11,
    "status_message": "Internal error: Something went wrong, contact TMDb.",
    "success": False,
}

CONFIGURATION_BODY = {
    "images": {
        "base_url": "http://img.example.test/t/p/",
        "secure_base_url": "https://img.example.test/t/p/",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
        "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
    "change_keys": ["adult", "air_date", "also_known_as", "biography"],
}


def movie_body(
    tmdb_id: int,
    *,
    title: str,
    original_title: str | None = None,
    overview: str = "",
    release_date: str = "1999-03-31",
    poster_path: str | None = None,
    backdrop_path: str | None = None,
    runtime: int = 121,
    cast: list[tuple[str, str, int]] | None = None,
    directors: tuple[str, ...] = ("Ada Director",),
) -> dict[str, Any]:
    """An invented movie in the shape of ``/movie/{id}?append_to_response=credits``."""
    cast = cast if cast is not None else [("Lead Actor", "Hero", 0), ("Second Actor", "Foil", 1)]
    crew: list[dict[str, Any]] = [
        {
            "adult": False,
            "gender": 0,
            "id": 9000 + i,
            "known_for_department": "Directing",
            "name": name,
            "original_name": name,
            "popularity": 1.5,
            "profile_path": None,
            "credit_id": f"52fe4{i:03d}c3a36847f8",
            "department": "Directing",
            "job": "Director",
        }
        for i, name in enumerate(directors)
    ]
    crew.append(
        {
            "id": 9500,
            "name": "Composer Person",
            "department": "Sound",
            "job": "Original Music Composer",
            "credit_id": "52fe425bc3a36847f80181c1",
        }
    )
    return {
        "adult": False,
        "backdrop_path": backdrop_path,
        "belongs_to_collection": None,
        "budget": 63000000,
        "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
        "homepage": "",
        "id": tmdb_id,
        "imdb_id": f"tt{tmdb_id:07d}",
        "original_language": "en",
        "original_title": original_title or title,
        "overview": overview,
        "popularity": 81.4,
        "poster_path": poster_path,
        "production_companies": [],
        "release_date": release_date,
        "revenue": 463517383,
        "runtime": runtime,
        "status": "Released",
        "tagline": "",
        "title": title,
        "video": False,
        "vote_average": 8.2,
        "vote_count": 24000,
        "credits": {
            "cast": [
                {
                    "adult": False,
                    "gender": 2,
                    "id": 7000 + order,
                    "known_for_department": "Acting",
                    "name": name,
                    "original_name": name,
                    "popularity": 12.0,
                    "profile_path": None,
                    "cast_id": 10 + order,
                    "character": character,
                    "credit_id": f"52fe425bc3a368{order:04d}",
                    "order": order,
                }
                for name, character, order in cast
            ],
            "crew": crew,
        },
    }


@dataclass
class Reply:
    """One scripted answer.

    ``delay`` waits before the status line; ``truncate_to`` sends only that many body bytes
    while announcing the full ``Content-Length``, then closes; ``trickle`` sends the body one
    byte at a time with that pause between bytes.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate_to: int | None = None
    trickle: float | None = None


@dataclass(frozen=True)
class SeenRequest:
    """A request as the server received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


class FakeTmdb:
    """The server; use as a context manager or call :meth:`start`/:meth:`stop`."""

    def __init__(self) -> None:
        self.movies: dict[tuple[int, str], dict[str, Any]] = {}
        self.requests: list[SeenRequest] = []
        self._scripts: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- configuration

    def add_movie(self, tmdb_id: int, language: str, body: dict[str, Any]) -> None:
        self.movies[(tmdb_id, language)] = body

    def script(self, path: str, *replies: Reply) -> None:
        """Queue answers for ``path`` (e.g. ``"/3/movie/603"``), used before the default."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(replies)

    def seen(self, path: str | None = None) -> list[SeenRequest]:
        """Requests received so far, optionally only those for ``path``."""
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/3"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeTmdb:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False  # slow handlers must not delay the test's teardown
        self._server = server
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTmdb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ behaviour

    def _record(self, request: SeenRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            queue = self._scripts.get(request.path)
            return queue.popleft() if queue else None

    def _default(self, request: SeenRequest) -> Reply:
        key_ok = request.query.get("api_key") == API_KEY
        token_ok = request.headers.get("authorization") == f"Bearer {READ_TOKEN}"
        if not (key_ok or token_ok):
            return Reply(401, INVALID_KEY_BODY)
        if request.path == "/3/configuration":
            return Reply(200, CONFIGURATION_BODY)
        parts = request.path.split("/")
        if len(parts) == 4 and parts[1] == "3" and parts[2] == "movie" and parts[3].isdigit():
            language = request.query.get("language", "en-US")
            body = self.movies.get((int(parts[3]), language))
            if body is not None:
                return Reply(200, body)
        return Reply(404, NOT_FOUND_BODY)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as TMDb's servers do
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every loopback answer.
    disable_nagle_algorithm = True
    server_fake: FakeTmdb

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = SeenRequest(parts.path, query, headers, time.monotonic())
        reply = self.server_fake._record(request) or self.server_fake._default(request)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (budget); that is the point

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.truncate_to is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.truncate_to is not None:
            self.wfile.write(data[: reply.truncate_to])
            self.wfile.flush()
            self.close_connection = True
        elif reply.trickle is not None:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(reply.trickle)
        else:
            self.wfile.write(data)
