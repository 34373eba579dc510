"""One HTTP GET with a hard deadline, on a shared ``requests.Session``.

``requests`` timeouts apply to each socket operation, not to the whole answer: a server that
trickles one byte per second would keep a page waiting for ever. The body is therefore read
in pieces with ``read1`` and the socket timeout shrunk to the time left before each read.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests
import urllib3.exceptions


class TransportError(Exception):
    """A transient network failure (refused, reset, timed out, truncated): worth a retry."""


class DeadlineError(TransportError):
    """The deadline passed while connecting or reading."""


class BodyTooLargeError(Exception):
    """The answer exceeded the size limit (not retried: it would be as large next time)."""


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status, headers and complete body of one HTTP answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def http_get(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    connect_timeout: float,
    read_timeout: float,
    deadline: float | None,
    clock: Callable[[], float],
    max_bytes: int,
) -> RawResponse:
    """GET ``url`` and read the whole body before ``deadline``.

    Parameters
    ----------
    session : requests.Session
        Shared session (connection pooling).
    url : str
        Absolute URL.
    params, headers : Mapping
        Query parameters and request headers.
    connect_timeout, read_timeout : float
        Per-operation limits in seconds, further capped by the time left.
    deadline : float or None
        Absolute ``clock()`` time by which the body must be complete; ``None`` for no limit.
    clock : callable
        Monotonic clock in seconds.
    max_bytes : int
        Largest body accepted.

    Returns
    -------
    RawResponse

    Raises
    ------
    DeadlineError
        The deadline passed.
    TransportError
        Connection refused/reset, timeout, or a body shorter than its ``Content-Length``.
    BodyTooLargeError
        The body exceeded ``max_bytes``.
    """

    def left() -> float | None:
        return None if deadline is None else deadline - clock()

    remaining = left()
    if remaining is not None and remaining <= 0:
        raise DeadlineError("no time left before sending the request")
    timeout = (
        connect_timeout if remaining is None else max(0.001, min(connect_timeout, remaining)),
        read_timeout if remaining is None else max(0.001, min(read_timeout, remaining)),
    )
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout, stream=True)
    except requests.Timeout as exc:
        if deadline is not None and clock() >= deadline:
            raise DeadlineError("deadline passed waiting for the answer") from exc
        raise TransportError(f"timed out ({type(exc).__name__})") from exc
    except requests.ConnectionError as exc:
        raise TransportError(f"connection failed ({_root_cause(exc)})") from exc
    except requests.RequestException as exc:
        raise TransportError(f"request failed ({type(exc).__name__})") from exc

    with response:
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                remaining = left()
                if remaining is not None:
                    if remaining <= 0:
                        raise DeadlineError("deadline passed while reading the body")
                    _shrink_socket_timeout(raw, min(read_timeout, remaining))
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise BodyTooLargeError(f"body larger than {max_bytes} bytes")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline is not None and clock() >= deadline:
                raise DeadlineError("deadline passed while reading the body") from exc
            raise TransportError(f"body could not be read ({_root_cause(exc)})") from exc
        return RawResponse(response.status_code, response.headers, b"".join(chunks))


def _shrink_socket_timeout(raw: urllib3.response.BaseHTTPResponse, seconds: float) -> None:
    # Best effort: the socket is reachable on urllib3 2.x responses that still hold their
    # connection; elsewhere the timeout chosen at request time keeps applying.
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(max(0.001, seconds))


def _root_cause(exc: BaseException) -> str:
    """Short name of the innermost exception (messages may carry URLs with credentials)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    last = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        last = current
        current = current.__cause__ or current.__context__
        # urllib3 keeps the underlying error in .reason rather than chaining it.
        reason = getattr(last, "reason", None)
        if current is None and isinstance(reason, BaseException):
            current = reason
    return type(last).__name__
