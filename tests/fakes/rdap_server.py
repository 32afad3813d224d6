"""A fake RDAP service that is a real HTTPS server on 127.0.0.1 (RFC 9082 paths, RFC 9083 JSON).

One server can play the registry (``/rdap/domain/NAME``) and the registrar (``/registrar/domain/NAME``),
or two servers can split the roles (``registrar_base`` points the registry's ``related`` links at the
other)::

    with RdapServer() as rdap:                    # HTTPS with a fresh test CA: rdap.ca_file
        rdap.add(DomainRecord("contoso.com", registry_names_registrar=False, registrant_org="Contoso Ltd"))
        rdap.fault("contoso.com", "429:2")        # next answer: 429 with Retry-After: 2

Unknown domains get 404 with an RFC 9083 error object. Fault kinds: ``429[:seconds]``, ``500``,
``slow:<seconds>``, ``drop`` (close without answering), ``not_json``.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass

from .loopback_http import LoopbackHTTPServer, RecordedRequest, Reply
from .rdap_documents import RDAP_CONTENT_TYPE, DomainRecord, error_answer, registrar_answer, registry_answer

__all__ = ["DomainRecord", "RdapServer"]

REGISTRY_PATH = "/rdap/"
REGISTRAR_PATH = "/registrar/"


@dataclass
class _Fault:
    domain: str  # lower case, or "*" for every domain
    kind: str
    remaining: int | None


def _reply(status: int, body: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": RDAP_CONTENT_TYPE, **(headers or {})})


class RdapServer(LoopbackHTTPServer):
    """Fake RDAP over HTTPS; ``registry_url`` is the base to configure (``.../rdap/``)."""

    def __init__(self, *, tls: bool = True, certificate: tuple[str, str] | None = None,
                 registrar_base: str | None = None) -> None:
        super().__init__(tls=tls, certificate=certificate)
        self.registrar_base = registrar_base
        self._records: dict[str, DomainRecord] = {}
        self._faults: list[_Fault] = []
        self._state = threading.Lock()
        self.hits: Counter[str] = Counter()  # answers by kind: registry, registrar, 404, 429, fault

    @property
    def registry_url(self) -> str:
        """The registry base URL (what HUNTER_RDAP_SERVERS names), with a trailing slash."""
        return f"{self.base_url}{REGISTRY_PATH}"

    @property
    def registrar_url(self) -> str:
        """This server's registrar base URL, with a trailing slash."""
        return f"{self.base_url}{REGISTRAR_PATH}"

    def add(self, record: DomainRecord) -> None:
        """Register (or replace) a domain."""
        with self._state:
            self._records[record.name.lower()] = record

    def fault(self, domain: str, kind: str, *, times: int | None = 1) -> None:
        """Answer the next ``times`` requests for ``domain`` ("*" = any) with a fault (None = until cleared)."""
        with self._state:
            self._faults.append(_Fault(domain.lower(), kind, times))

    def clear_faults(self) -> None:
        """Remove every fault switch."""
        with self._state:
            self._faults.clear()

    def _take_fault(self, domain: str) -> str | None:
        with self._state:
            for fault in self._faults:
                if fault.domain in ("*", domain):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault.kind
        return None

    def handle(self, request: RecordedRequest) -> Reply | None:
        """Serve ``/rdap/domain/NAME`` (registry) and ``/registrar/domain/NAME`` (registrar)."""
        for prefix, role in ((REGISTRY_PATH, "registry"), (REGISTRAR_PATH, "registrar")):
            if request.path.startswith(prefix + "domain/"):
                name = request.path[len(prefix + "domain/"):].lower().rstrip(".")
                return self._domain(name, role)
        return _reply(400, error_answer(400, "Unsupported query"))

    def _domain(self, name: str, role: str) -> Reply | None:
        fault = self._take_fault(name)
        if fault is not None:
            answered, reply = self._faulty(fault)
            if answered:
                return reply
        with self._state:
            record = self._records.get(name)
        if record is None:
            self._count("404")
            return _reply(404, error_answer(404, "Not Found"))
        self._count(role)
        if role == "registry":
            registrar = f"{self.registrar_base or self.registrar_url}domain/{name}"
            return _reply(200, registry_answer(record, f"{self.registry_url}domain/{name}", registrar))
        return _reply(200, registrar_answer(record, f"{self.registrar_url}domain/{name}"))

    def _faulty(self, kind: str) -> tuple[bool, Reply | None]:
        """(answered, reply) for a fault: a None reply drops the connection; not answered = go on normally."""
        self._count("fault" if not kind.startswith("429") else "429")
        if kind.startswith("429"):
            seconds = kind.partition(":")[2] or "1"
            return True, _reply(429, error_answer(429, "Too Many Requests"), {"Retry-After": seconds})
        if kind == "500":
            return True, _reply(500, error_answer(500, "Internal Server Error"))
        if kind == "drop":
            return True, None
        if kind == "not_json":
            return True, Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})
        if kind.startswith("slow:"):
            stopped = self.sleep(float(kind.partition(":")[2]))
            return stopped, None
        raise ValueError(f"unknown fault kind {kind!r}")

    def _count(self, kind: str) -> None:
        with self._state:
            self.hits[kind] += 1
