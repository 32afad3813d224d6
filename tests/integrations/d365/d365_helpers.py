"""Helpers shared by the D365 adapter tests: identities, a fake clock and a lead snapshot builder."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leadhunter.integrations.d365 import DataverseClient, LeadSnapshot

TENANT_ID = "5d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT_ID = "d365-app-0000-0000-0000-000000000001"
SECRET = "d365~secret"

ClientFactory = Callable[..., DataverseClient]  # make_client(server, **D365Config overrides, gate=, random=, sleep=)


@dataclass
class FakeClock:
    """Monotonic seconds that only move when someone sleeps; every sleep is recorded with its thread name."""

    now_value: float = 1000.0
    sleeps: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        with self.lock:
            return self.now_value

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append((threading.current_thread().name, seconds))
            self.now_value += seconds

    def waits(self) -> list[float]:
        with self.lock:
            return [seconds for _, seconds in self.sleeps]


def snapshot(domain: str = "contoso.com", **changes: Any) -> LeadSnapshot:
    """A valid lead snapshot for `domain`; keyword arguments replace fields."""
    values: dict[str, Any] = {"domain": domain, "score": 83, "priority": 2, "category": "P2", "segment": "Migration",
              "company_name": "Contoso Ltd", "provider": "M365", "gateway": "Proofpoint", "tenant_id": TENANT_ID,
              "tenant_size": "large", "source": "import", "score_breakdown": "spf:+20 dmarc:+10",
              "hunter_url": f"https://hunter.example/leads/{domain}"}  # fmt: skip
    values.update(changes)
    return LeadSnapshot(**values)
