"""A worker process for the kill test: one outbox sweep with a given lease, then exit. Run as
``python alert_worker_proc.py DB_URL FERNET_KEY LEASE_SECONDS``; the test kills it mid-send."""

from __future__ import annotations

import sys

from leadhunter.integrations.alerts.senders import SendOptions
from leadhunter.runtime import session_factory
from leadhunter.services.alert_delivery import deliver_due
from leadhunter.services.alert_secrets import SecretBox

if __name__ == "__main__":
    url, key, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
    result = deliver_due(session_factory(url), SecretBox(key.encode(), environ={}),
                         SendOptions(allow_private=True, timeout=120.0), lease_seconds=lease)
    print(result)
