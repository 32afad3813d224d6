"""The Entra fake for ``pushback_bench.py --mode tenant``, in its own process (its threads stay off the
measured scanner's GIL). Line protocol on stdin/stdout (see ``bench_support.FakesProcess``).

Usage: ``python bench/entra_fake_proc.py --manifest manifest.tsv --delay-ms 80``. It registers a tenant
for every domain the manifest says is Microsoft 365, adds the delay to every answer, prints
``{"base_url": ..., "ca_file": ...}`` and then answers commands: ``stats`` (requests, connections
opened, most connections open at once), ``429 N`` (the next N requests get 429 with Retry-After 1 s),
``quit``.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes.entra_server import EntraServer  # noqa: E402
from zones import read_manifest  # noqa: E402


def main() -> None:
    """Serve until ``quit``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--delay-ms", type=float, default=80.0)
    args = parser.parse_args()
    with EntraServer(tls=True) as entra:
        entra.delay = args.delay_ms / 1000
        tenants = 0
        for domain, truth in read_manifest(args.manifest).items():
            if truth["provider"] == "M365":
                entra.add_tenant(str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)), [domain], brand=domain.split(".")[0])
                tenants += 1
        print(json.dumps({"base_url": entra.base_url, "ca_file": entra.ca_file, "tenants": tenants}), flush=True)
        for line in sys.stdin:
            command = line.split()
            if not command or command[0] == "quit":
                break
            if command[0] == "stats":
                print(json.dumps({"requests": len(entra.requests), "connections_opened": entra.connections_opened,
                                  "max_open_connections": entra.max_open_connections}), flush=True)
            elif command[0] == "429":
                entra.fault("/", "429:1", times=int(command[1]))
                print(json.dumps({"armed_429": int(command[1])}), flush=True)
            else:
                print(json.dumps({"error": f"unknown command {command[0]!r}"}), flush=True)


if __name__ == "__main__":
    main()
