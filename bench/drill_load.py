"""The fault drill's load (``fault_drill.py``): HTTP clients on loopback that list, post, import, export and
rescan, and a recorder of every answer.

Every answer is sorted into: 2xx/3xx, an error in the API's shape (``{"error": {"code", "message", ...}}``),
or outside that shape (plain-text 500s, HTML, a JSON body of another shape) — the drill's first check. A
request that got no answer at all (refused, reset, timed out) is a transport error, counted apart; while the
drill itself has the API down (the embedded broker restart) they are expected and counted apart again.

Clients send no ``Origin`` header and address the server as ``127.0.0.1`` (what a same-machine script does).
"""

from __future__ import annotations

import io
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from api_bench import QUERIES  # the lead-list queries of the HTTP benchmark: filters, sorts, searches

EXAMPLES = 12  # examples kept per kind of failure
RETRIES = 3  # tries per post/import after a 429/503 or a transport error (a client's usual patience)


def error_shaped(body: object) -> bool:
    """True for ``{"error": {"code": str, "message": str, ...}}``."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    error = body["error"]
    return isinstance(error.get("code"), str) and isinstance(error.get("message"), str)


@dataclass
class Recorder:
    """Everything the clients saw (thread-safe); times are seconds since ``t0`` (``time.monotonic``)."""

    t0: float = field(default_factory=time.monotonic)
    api_down: bool = False  # set by the drill while it has the API process stopped on purpose
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)  # "kind status"
    outside_shape: int = 0
    outside_examples: list[dict[str, Any]] = field(default_factory=list)
    transport: Counter[str] = field(default_factory=Counter)  # "kind ErrorType" while the API was meant to be up
    transport_examples: list[dict[str, Any]] = field(default_factory=list)
    refused_while_down: Counter[str] = field(default_factory=Counter)
    list_ms: list[float] = field(default_factory=list)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # posted domain → 2xx body
    unanswered_posts: list[str] = field(default_factory=list)  # domains given up on without a 2xx
    imports: list[dict[str, Any]] = field(default_factory=list)
    rescans: list[dict[str, Any]] = field(default_factory=list)
    exports: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """Seconds since the load started."""
        return round(time.monotonic() - self.t0, 2)

    def answer(self, kind: str, method: str, path: str, response: httpx.Response, body: object = None) -> str:
        """Record one answer; returns ``ok``, ``error`` (in the shape) or ``outside``."""
        status = response.status_code
        verdict = "ok" if status < 400 else ("error" if error_shaped(body) else "outside")
        with self.lock:
            self.requests[kind] += 1
            self.statuses[f"{kind} {status}"] += 1
            if verdict == "outside":
                self.outside_shape += 1
                if len(self.outside_examples) < EXAMPLES:
                    self.outside_examples.append({
                        "t_s": self.now(), "request": f"{method} {path}", "status": status,
                        "content_type": response.headers.get("content-type", ""),
                        "body": response.text[:300]})
        return verdict

    def no_answer(self, kind: str, method: str, path: str, exc: Exception) -> None:
        """Record a request that got no (complete) answer."""
        key = f"{kind} {type(exc).__name__}"
        with self.lock:
            self.requests[kind] += 1
            if self.api_down:
                self.refused_while_down[key] += 1
                return
            self.transport[key] += 1
            if len(self.transport_examples) < EXAMPLES:
                self.transport_examples.append({"t_s": self.now(), "request": f"{method} {path}",
                                                "error": f"{type(exc).__name__}: {exc}"[:300]})


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_wait(response: httpx.Response | None) -> float:
    """Seconds to wait before the next try: ``Retry-After`` (at most 10 s) or 1 s."""
    if response is not None:
        try:
            return min(10.0, max(0.0, float(response.headers.get("retry-after", "1"))))
        except ValueError:
            return 1.0
    return 1.0


class Load:
    """The clients. ``start`` launches the steady ones (lists, posts, exports, job polls) as threads that run
    until ``deadline`` (monotonic) or :meth:`stop`; imports and the rescan are one-shot calls the drill's
    timeline makes (each on its own thread)."""

    def __init__(self, base_url: str, recorder: Recorder, *, post_domains: list[tuple[str, str]],
                 list_clients: int = 2, list_pause: float = 0.2, post_pause: float = 0.5,
                 export_every: float = 20.0, seed: int = 1) -> None:
        self.base_url = base_url
        self.rec = recorder
        self.post_domains = post_domains  # (input form, normalized domain), each posted once
        self.list_clients = list_clients
        self.list_pause = list_pause
        self.post_pause = post_pause
        self.export_every = export_every
        self.rng = random.Random(seed)
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.deadline = 0.0

    def client(self) -> httpx.Client:
        """A client for this server: no proxies from the environment, no Origin header, 60 s timeout."""
        return httpx.Client(base_url=self.base_url, timeout=60.0, trust_env=False)

    def start(self, seconds: float) -> None:
        """Start the steady clients for ``seconds``."""
        self.deadline = time.monotonic() + seconds
        targets: list[Callable[[], None]] = [self._lists] * self.list_clients + [self._posts, self._exports,
                                                                                  self._job_polls]
        for i, target in enumerate(targets):
            thread = threading.Thread(target=target, name=f"load-{i}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def running(self) -> bool:
        """True until the deadline or :meth:`stop`."""
        return not self.stopping.is_set() and time.monotonic() < self.deadline

    def stop(self) -> None:
        """Stop the steady clients and wait for their last request (60 s at most each)."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _call(self, client: httpx.Client, kind: str, method: str, path: str, **kwargs: Any) -> \
            tuple[str, httpx.Response | None, object]:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            self.rec.no_answer(kind, method, path, exc)
            return "none", None, None
        body = _json(response)
        return self.rec.answer(kind, method, path, response, body), response, body

    def _lists(self) -> None:
        rng = random.Random(self.rng.random())
        names = list(QUERIES)
        with self.client() as client:
            while self.running():
                params = {"page_size": 50, **QUERIES[rng.choice(names)]}
                t0 = time.perf_counter()
                verdict, _, body = self._call(client, "list", "GET", "/api/leads", params=params)
                if verdict == "ok" and isinstance(body, dict) and "items" in body:
                    with self.rec.lock:
                        self.rec.list_ms.append((time.perf_counter() - t0) * 1000)
                self.stopping.wait(self.list_pause)

    def _posts(self) -> None:
        with self.client() as client:
            for i, (text, domain) in enumerate(self.post_domains):
                if not self.running():
                    return
                if not self._post_one(client, text, domain, i):
                    with self.rec.lock:
                        self.rec.unanswered_posts.append(domain)
                self.stopping.wait(self.post_pause)

    def _post_one(self, client: httpx.Client, text: str, domain: str, i: int) -> bool:
        """POST one lead, retrying after 429/503 or no answer; True once a 2xx came back."""
        for _ in range(RETRIES):
            verdict, response, body = self._call(client, "post", "POST", "/api/leads",
                                                 json={"domain": text, "name": f"Drill Firma {i}"})
            if verdict == "ok" and isinstance(body, dict):
                with self.rec.lock:
                    self.rec.accepted[domain] = {"job_id": body.get("job_id"), "queued": body.get("queued"),
                                                 "t_s": self.rec.now()}
                return True
            if response is not None and response.status_code not in (429, 503):
                return False  # a definite refusal: the client would not send it again
            time.sleep(_retry_wait(response))
        return False

    def _exports(self) -> None:
        with self.client() as client:
            while self.running():
                self.export_once(client)
                self.stopping.wait(self.export_every)

    def export_once(self, client: httpx.Client) -> None:
        """Stream ``GET /api/leads/export?format=csv`` to the end; rows and seconds go to the recorder."""
        path = "/api/leads/export?format=csv"
        t0 = time.perf_counter()
        try:
            with client.stream("GET", path) as response:
                if response.status_code >= 400:
                    response.read()
                    self.rec.answer("export", "GET", path, response, _json(response))
                    return
                lines = sum(chunk.count(b"\n") for chunk in response.iter_bytes())
                self.rec.answer("export", "GET", path, response)
        except httpx.TransportError as exc:  # includes a stream cut short
            self.rec.no_answer("export", "GET", path, exc)
            return
        with self.rec.lock:
            self.rec.exports.append({"t_s": self.rec.now(), "rows": max(0, lines - 1),
                                     "seconds": round(time.perf_counter() - t0, 2)})

    def _job_polls(self) -> None:
        with self.client() as client:
            while self.running():
                self._call(client, "jobs", "GET", "/api/jobs", params={"limit": 20})
                self.stopping.wait(3.0)

    def import_csv(self, rows: list[tuple[str, str]], label: str) -> None:
        """``POST /api/imports`` of a CSV (Turkish header, the inputs in the forms people paste)."""
        out = io.StringIO()
        out.write("Firma,Web Sitesi\n")
        for i, (text, _) in enumerate(rows):
            out.write(f"Drill {label} Firma {i},{text}\n")
        content = out.getvalue().encode("utf-8")
        entry: dict[str, Any] = {"label": label, "rows": len(rows), "domains": [d for _, d in rows],
                                 "t_s": self.rec.now()}
        with self.client() as client:
            for _ in range(RETRIES):
                t0 = time.perf_counter()
                verdict, response, body = self._call(client, "import", "POST", "/api/imports",
                                                     files={"file": (f"drill-{label}.csv", content, "text/csv")})
                entry["seconds"] = round(time.perf_counter() - t0, 2)
                if verdict == "ok" and isinstance(body, dict):
                    entry["response"] = {k: body.get(k) for k in ("import_id", "rows", "accepted", "duplicates",
                                                                  "job_id", "queued")}
                    entry["row_errors"] = len(body.get("errors") or [])
                    break
                entry["failed_status"] = response.status_code if response is not None else "no answer"
                if response is not None and response.status_code not in (429, 503):
                    break
                time.sleep(_retry_wait(response))
        with self.rec.lock:
            self.rec.imports.append(entry)

    def rescan(self, domains: list[str]) -> None:
        """``POST /api/leads/rescan`` of known leads."""
        with self.client() as client:
            verdict, response, body = self._call(client, "rescan", "POST", "/api/leads/rescan",
                                                 json={"domains": domains})
        entry: dict[str, Any] = {"t_s": self.rec.now(), "domains": len(domains), "verdict": verdict,
                                 "status": response.status_code if response is not None else None}
        if verdict == "ok" and isinstance(body, dict):
            entry.update(job_id=body.get("job_id"), total=body.get("total"), queued=body.get("queued"),
                         unknown=len(body.get("unknown") or []))
        with self.rec.lock:
            self.rec.rescans.append(entry)


def latency_summary(samples_ms: list[float]) -> dict[str, Any]:
    """Count, p50, p95 and max in ms (None when there are fewer than 2 samples)."""
    if len(samples_ms) < 2:
        return {"count": len(samples_ms), "p50_ms": None, "p95_ms": None, "max_ms": None}
    qs = statistics.quantiles(samples_ms, n=20, method="inclusive")
    return {"count": len(samples_ms), "p50_ms": round(statistics.median(samples_ms), 1), "p95_ms": round(qs[18], 1),
            "max_ms": round(max(samples_ms), 1)}
