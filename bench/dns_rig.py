"""The DNS rig shared by the scan benchmarks: generate N company zones and serve them with NSD on loopback.

Used by ``scan_bench.py`` (the engine against checkdmarc) and ``celery_scan_bench.py`` (the engine against
the same scan run as a Celery job), so both measure against the very same zones and server.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zones
from nsd_server import NsdServer


@dataclass
class DnsRig:
    """Generated zones (``summary``, files under ``work``) and the NSD serving them (``nsd``)."""

    work: Path
    summary: zones.Summary
    nsd: NsdServer
    info: dict[str, Any] = field(default_factory=dict)  # zones and nsd facts for the results JSON

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>`` of the NSD."""
        return f"127.0.0.1:{self.nsd.port}"

    def manifest(self) -> dict[str, dict[str, str]]:
        """The generated truth, keyed by domain (see :func:`zones.read_manifest`)."""
        return zones.read_manifest(self.work / "manifest.tsv")

    def inputs(self) -> list[str]:
        """The scan input lines, in the messy forms people paste."""
        return (self.work / "inputs.txt").read_text().splitlines()

    def serve(self) -> None:
        """Start NSD and return once the last zone is served (its facts go into ``info['nsd']``)."""
        startup = self.nsd.start(ready_name=self.summary.last_domain)
        self.info["nsd"] = {"version": nsd_version(), "port": self.nsd.port, "startup_s": round(startup, 3),
                            "server_count": self.nsd.server_count,
                            "rrl_ratelimit": self.nsd.rrl_ratelimit}
        print(f"NSD on {self.address}, serving all {self.summary.zones} zones after {startup:.2f} s", flush=True)


def nsd_version() -> str:
    """``nsd -v`` first line."""
    done = subprocess.run(["nsd", "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).splitlines()[0] if (done.stderr or done.stdout) else "?"


def generate_rig(work: Path, domains: int, seed: int, *, server_count: int = 1, rrl_ratelimit: int = 0) -> DnsRig:
    """Generate ``domains`` zones (plus provider, reverse and root zones) under ``work`` and set up, but do
    not start, the NSD that serves them: the caller keeps ``rig.nsd`` for its cleanup, then calls
    :meth:`DnsRig.serve`."""
    t0 = time.perf_counter()
    summary = zones.generate(work, domains, seed)
    info: dict[str, Any] = {"zones": {"count": summary.zones, "generate_s": round(time.perf_counter() - t0, 2),
                                      "expected_providers": dict(summary.providers.most_common()),
                                      "categories": dict(summary.categories.most_common())}}
    print(f"generated {summary.domains} domains in {summary.zones} zones in {info['zones']['generate_s']} s",
          flush=True)
    nsd = NsdServer(work / "nsd", work / "zones", work / "nsd-zones.conf", server_count=server_count,
                    rrl_ratelimit=rrl_ratelimit)
    return DnsRig(work, summary, nsd, info)
