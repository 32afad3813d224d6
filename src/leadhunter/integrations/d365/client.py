"""`DataverseClient`: the Dynamics 365 push adapter the services use. One per org per process.

```python
with DataverseClient(D365Config(org_url=..., tenant_id=..., client_id=..., client_secret=...)) as d365:
    outcome = d365.upsert(snapshot, known_lead_id=stored_id)       # one lead, conditional PATCHes
    outcomes = d365.push_many(snapshots, known_ids={domain: id})   # $batch change sets, one outcome each
    results = d365.check()                                         # `hunter d365 check`
```

Calls never raise for D365 trouble: every lead gets a `PushOutcome` (ok, lead id, created, HTTP status,
D365 request id, duration, error category, and every HTTP `Attempt` for the audit trail). Transport,
retries, throttling and tokens are described in `connection.py`; the upsert rules in `upsert.py`
and `writes.py`; batching in `bulk.py`; the checks in `check.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .bulk import push_leads
from .check import TEST_DOMAIN, run_check
from .connection import CallResult, Connection, D365Config
from .mapping import CheckResult, LeadSnapshot
from .upsert import upsert_lead
from .writes import PushOutcome

__all__ = ["CallResult", "D365Config", "DataverseClient", "PushOutcome"]


class DataverseClient(Connection):
    """The push operations on top of `Connection` (same constructor and keyword-argument injectables)."""

    def upsert(self, lead: LeadSnapshot, *, known_lead_id: str | None = None) -> PushOutcome:
        """Create or update one lead (the mapping spec's upsert rules); `known_lead_id` is the stored D365 id."""
        return upsert_lead(self, lead, known_lead_id=known_lead_id)

    def push_many(
        self, leads: Sequence[LeadSnapshot], *, known_ids: Mapping[str, str] | None = None
    ) -> list[PushOutcome]:
        """Push many leads in `$batch` change sets; one outcome per lead in input order."""
        return push_leads(self, leads, known_ids or {})

    def check(self, *, test_domain: str = TEST_DOMAIN, cleanup: bool = True) -> list[CheckResult]:
        """Token, metadata, upsert mode, mapping against the org, test-lead upsert and cleanup: pass/fail each."""
        return run_check(self, test_domain=test_domain, cleanup=cleanup)
