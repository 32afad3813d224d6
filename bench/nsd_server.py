"""Start and stop a private NSD on 127.0.0.1:<free port>, serving the zones from ``zones.generate``.

NSD runs in the foreground (``-d``) as a child of the benchmark, as root without chroot or privilege
drop, with every file it writes (pid, zone list, xfrd state, log) inside its own work directory, and
no zone database (zones are read from the zone files at start).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode

NSD_BIN = "/usr/sbin/nsd"


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` (checked by binding both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port found")


def ensure_nsd() -> str:
    """Path of the NSD binary; installs the Debian package when missing (needs root and apt)."""
    found = shutil.which("nsd") or (NSD_BIN if Path(NSD_BIN).exists() else None)
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise SystemExit("NSD is not installed and apt-get is not available: install NSD 4 (package nsd)")
    print("NSD not found: running apt-get install -y nsd ...", flush=True)
    done = subprocess.run(["apt-get", "install", "-y", "nsd"], capture_output=True, text=True, check=False)
    found = shutil.which("nsd") or (NSD_BIN if Path(NSD_BIN).exists() else None)
    if done.returncode != 0 or not found:
        raise SystemExit(f"apt-get install nsd failed (run it as root):\n{done.stderr[-2000:]}")
    # the package starts a system instance where an init system exists; ours is separate
    return found


def probe(host: str, port: int, name: str, timeout: float = 0.3) -> bool:
    """True when the server answers SOA ``name`` with NOERROR (the zone is loaded)."""
    query = dns.message.make_query(name, "SOA")
    try:
        answer = dns.query.udp(query, host, port=port, timeout=timeout)
    except (dns.exception.DNSException, OSError):
        return False
    return answer.rcode() == dns.rcode.NOERROR and bool(answer.answer)


class NsdServer:
    """One NSD process; ``start()`` returns once ``ready_name``'s SOA is served (or raises)."""

    def __init__(self, work_dir: Path, zones_dir: Path, zones_conf: Path, *, port: int | None = None,
                 host: str = "127.0.0.1", server_count: int = 1, rrl_ratelimit: int = 0) -> None:
        self.work_dir = work_dir
        self.zones_dir = zones_dir
        self.zones_conf = zones_conf
        self.host = host
        self.port = port or free_port(host)
        self.server_count = server_count
        self.rrl_ratelimit = rrl_ratelimit  # 0: off; NSD's own default is 200 (answers/s per bucket)
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    def write_config(self) -> Path:
        """Write ``nsd.conf`` into the work directory and return its path."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "xfr").mkdir(exist_ok=True)
        w = self.work_dir
        conf = w / "nsd.conf"
        conf.write_text(f"""server:
    ip-address: {self.host}@{self.port}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{self.zones_dir}"
    database: ""
    zonelistfile: "{w}/zone.list"
    xfrdfile: "{w}/xfrd.state"
    xfrdir: "{w}/xfr"
    pidfile: "{w}/nsd.pid"
    logfile: "{w}/nsd.log"
    server-count: {self.server_count}
    tcp-count: 512
    receive-buffer-size: 4194304
    send-buffer-size: 4194304
    zonefiles-check: no
    zonefiles-write: 0
    hide-version: yes
    refuse-any: yes
    verbosity: 0
    # Response rate limiting is on by default (200 identical answers/s per /24, then TC or drop):
    # a scan asks aspmx.l.google.com A for a quarter of all domains, far above that. Off unless the
    # benchmark asks for it (pushback_bench.py --mode rrl sets NSD's defaults: 200/s, slip 2).
    rrl-ratelimit: {self.rrl_ratelimit}
    rrl-slip: 2
    rrl-whitelist-ratelimit: {self.rrl_ratelimit * 10}

remote-control:
    control-enable: no

include: "{self.zones_conf}"
""")
        return conf

    def start(self, ready_name: str, timeout: float = 300.0) -> float:
        """Start NSD and wait until it serves ``ready_name``; returns the startup time in seconds."""
        conf = self.write_config()
        binary = ensure_nsd()
        check = subprocess.run([binary.replace("nsd", "nsd-checkconf"), str(conf)], capture_output=True,
                               text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nsd-checkconf rejected {conf}: {check.stdout}{check.stderr}")
        t0 = time.perf_counter()
        log = (self.work_dir / "nsd.stderr").open("wb")
        self.proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nsd exited with {self.proc.returncode}; see {self.work_dir}/nsd.log")
            if probe(self.host, self.port, ready_name):
                self.startup_s = time.perf_counter() - t0
                return self.startup_s
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nsd did not serve {ready_name} within {timeout:.0f} s")

    def stop(self) -> None:
        """Terminate NSD (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)

    def __enter__(self) -> NsdServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
