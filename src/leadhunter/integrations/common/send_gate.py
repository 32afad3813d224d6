"""Per-destination send gate and attempt log, plugged in as an httpx transport under ``HttpPolicy``.

``HttpPolicy`` retries one call in the calling thread; it cannot stop *other* threads from sending to a
service that just answered 429. ``SendGate`` adds what a throttled Dataverse org needs
(dataverse-web-api-leads.md §12): while one request waits out ``Retry-After`` every other send to the
same org waits too, and no more than ``max_in_flight`` requests are in flight at once (the service
refuses more than 52 concurrent requests per user). ``gate_for(key)`` shares one gate per destination
(e.g. the org URL) across the process; a ``PauseBoard`` (e.g. a database table) shares its pauses with the
other processes (workers on other machines): a 429 seen by one holds every worker's sends to that org.

``GatedTransport`` wraps the real transport: it waits for the gate, holds a slot during the exchange,
pauses the gate on 429, and records an ``Attempt`` (status, request ids, duration) for every HTTP
exchange into the caller's ``AttemptLog`` so a service can audit every attempt, retries included.
Clock and sleep are injectable so tests observe waits without spending wall time.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import httpx

from .errors import ThrottledError
from .http_policy import CLIENT_REQUEST_ID, parse_retry_after
from .redaction import safe_url

__all__ = ["Attempt", "AttemptLog", "GatedTransport", "PauseBoard", "SendGate", "gate_for"]

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
SERVICE_REQUEST_ID_HEADERS = ("x-ms-service-request-id", "req_id", "request-id", "x-ms-request-id")


class PauseBoard(Protocol):
    """Where processes share pauses of a destination. Times are wall-clock epoch seconds."""

    def paused_until(self, key: str) -> float | None:
        """When the pause of ``key`` another process recorded ends (None: no pause known)."""

    def pause_until(self, key: str, until: float) -> None:
        """Record that sends to ``key`` are paused until ``until`` (pauses only extend)."""


class SendGate:
    """Pause-all and concurrency cap for one destination. Thread-safe. Times in seconds.

    ``max_in_flight`` (default 8) bounds requests in flight through this gate. ``max_wait`` (default 300)
    bounds how long a send waits for a pause to end: a longer pause raises ``ThrottledError`` at once
    (with ``retry_after``) instead of blocking a worker. ``default_pause`` (1 s) is used for a 429
    without ``Retry-After``. ``clock`` is monotonic seconds; ``sleep`` is what waiting calls.

    With a ``board`` the pauses are shared under ``key``: each pause is written there, and the board is
    read at most every ``board_every`` seconds (default 1) while sending, so a 429 another process saw
    holds this one within a second. ``wall`` is the epoch clock the board's times are in. A board that
    fails (database down) is logged and skipped: the local gate keeps working.
    """

    def __init__(
        self,
        *,
        max_in_flight: int = 8,
        max_wait: float = 300.0,
        default_pause: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        board: PauseBoard | None = None,
        key: str = "",
        board_every: float = 1.0,
        wall: Clock = time.time,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.max_in_flight = max_in_flight
        self.max_wait = max_wait
        self.default_pause = default_pause
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._paused_until = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0  # the most requests ever in flight at once (for tests and metrics)
        self.pauses = 0  # how many 429s paused the gate
        self.board = board
        self.key = key
        self.board_every = board_every
        self.wall = wall
        self._board_read_at: float | None = None

    def pause(self, seconds: float | None) -> None:
        """Hold every send for ``seconds`` from now (``default_pause`` when None); pauses only extend.
        With a board, every other process sharing it is held too."""
        length = self.default_pause if seconds is None else max(0.0, seconds)
        with self._lock:
            self.pauses += 1
            self._paused_until = max(self._paused_until, self.clock() + length)
        if self.board is not None:
            try:
                self.board.pause_until(self.key, self.wall() + length)
            except Exception:  # the board is a courtesy to other processes: never fail a send over it
                log.warning("could not share the pause of %s", self.key, exc_info=True)

    def paused_for(self) -> float:
        """Seconds until sends may resume (0.0 when open), counting a pause another process shared."""
        self._read_board()
        with self._lock:
            return max(0.0, self._paused_until - self.clock())

    def _read_board(self) -> None:
        """Take in the board's pause, at most every ``board_every`` seconds."""
        if self.board is None:
            return
        now = self.clock()
        with self._lock:
            if self._board_read_at is not None and now - self._board_read_at < self.board_every:
                return
            self._board_read_at = now
        try:
            until = self.board.paused_until(self.key)
        except Exception:
            log.warning("could not read the shared pause of %s", self.key, exc_info=True)
            return
        if until is not None:
            with self._lock:
                self._paused_until = max(self._paused_until, self.clock() + (until - self.wall()))

    def wait_open(self) -> float:
        """Block until the gate is open; returns the seconds waited. ThrottledError if the pause is too long."""
        waited = 0.0
        while (remaining := self.paused_for()) > 0:
            if remaining > self.max_wait:
                raise ThrottledError(f"sends paused for {remaining:.0f} s after HTTP 429; not waiting that long",
                                     retry_after=remaining)  # fmt: skip
            self.sleep(remaining)
            waited += remaining
        return waited

    @contextlib.contextmanager
    def slot(self) -> Iterator[float]:
        """Hold one in-flight slot, entered only while the gate is open; yields the seconds waited."""
        waited = 0.0
        while True:
            waited += self.wait_open()
            self._slots.acquire()
            if self.paused_for() <= 0:
                break
            self._slots.release()  # a 429 arrived while we queued for a slot: wait the pause out first
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            yield waited
        finally:
            with self._lock:
                self.in_flight -= 1
            self._slots.release()


_GATES: dict[str, SendGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(key: str, *, max_in_flight: int = 8, max_wait: float = 300.0,
             board: PauseBoard | None = None) -> SendGate:
    """The process-wide gate of destination ``key`` (e.g. ``https://contoso.crm.dynamics.com``).

    Created on first use with ``max_in_flight``, ``max_wait`` and ``board`` (pauses shared with other
    processes); later calls return the same gate (their arguments are ignored, but a ``board`` is taken
    when the gate has none yet), so every client of one org shares its pause and its cap.
    """
    normalized = key.rstrip("/").lower()
    with _GATES_LOCK:
        gate = _GATES.get(normalized)
        if gate is None:
            gate = _GATES[normalized] = SendGate(max_in_flight=max_in_flight, max_wait=max_wait, board=board,
                                                 key=normalized)
        elif gate.board is None and board is not None:
            gate.board, gate.key = board, normalized
        return gate


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange: ``status`` None when no answer came (``error`` names the failure, e.g.
    ``ConnectError``); ``path`` has query parameter names only; ``duration_ms`` excludes gate waits."""

    method: str
    path: str
    status: int | None
    client_request_id: str | None
    service_request_id: str | None
    duration_ms: float
    started_at: datetime
    error: str | None = None
    retry_after: float | None = None


class AttemptLog:
    """Collects the ``Attempt``s made inside ``collect()`` in the current thread/context."""

    def __init__(self) -> None:
        self._current: contextvars.ContextVar[list[Attempt] | None] = contextvars.ContextVar(
            f"attempts-{id(self)}", default=None
        )

    @contextlib.contextmanager
    def collect(self) -> Iterator[list[Attempt]]:
        """Yield a list that fills with every attempt made by this thread until the block ends."""
        attempts: list[Attempt] = []
        token = self._current.set(attempts)
        try:
            yield attempts
        finally:
            self._current.reset(token)

    def record(self, attempt: Attempt) -> None:
        """Append ``attempt`` to the active collection (dropped when nobody collects)."""
        attempts = self._current.get()
        if attempts is not None:
            attempts.append(attempt)


class GatedTransport(httpx.BaseTransport):
    """An httpx transport that sends through ``inner`` under ``gate`` and records into ``attempts``."""

    def __init__(self, inner: httpx.BaseTransport, gate: SendGate, attempts: AttemptLog | None = None) -> None:
        self.inner = inner
        self.gate = gate
        self.attempts = attempts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for the gate, send, read the body, pause the gate on 429, record the attempt."""
        with self.gate.slot():
            started_at = datetime.now(UTC)
            started = time.perf_counter()
            try:
                response = self.inner.handle_request(request)
                response.read()  # inside the slot: the exchange is not over until the body is in
            except httpx.TransportError as exc:
                self._record(request, None, None, started, started_at, type(exc).__name__, None)
                raise
        retry_after = None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self.gate.pause(retry_after)
        service_id = next((response.headers[h] for h in SERVICE_REQUEST_ID_HEADERS if h in response.headers), None)
        self._record(request, response.status_code, service_id, started, started_at, None, retry_after)
        return response

    def close(self) -> None:
        """Close the wrapped transport."""
        self.inner.close()

    def _record(
        self,
        request: httpx.Request,
        status: int | None,
        service_id: str | None,
        started: float,
        started_at: datetime,
        error: str | None,
        retry_after: float | None,
    ) -> None:
        if self.attempts is None:
            return
        duration_ms = (time.perf_counter() - started) * 1000
        self.attempts.record(Attempt(request.method, safe_url(str(request.url)), status,
                                     request.headers.get(CLIENT_REQUEST_ID), service_id, round(duration_ms, 3),
                                     started_at, error, retry_after))  # fmt: skip
