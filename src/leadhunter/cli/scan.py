"""``hunter scan``: scan domains given as arguments or in a file; print a table or JSON Lines."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import sys
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from leadhunter.cli.progress import Progress
from leadhunter.config import Settings
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome, registration_json
from leadhunter.runtime import ConfigError, RegistrationSetup, registration_setup, scan_options
from leadhunter.scanners.registration.cache import SqliteCache
from leadhunter.scanners.registration.stage import RegistrationStage
from leadhunter.scanners.tenant import UnsafeTargetError
from leadhunter.services.input_lists import iter_inputs
from leadhunter.services.scanning import Scanner, ScanOptions

_TABLE = "{:<32} {:<8} {:<22} {:>5} {:<9} {:<4} {:>3} {:<6}"
_REG_COLUMN = " {:<10} {:<28}"  # expires (or outcome), registrar


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed: it roughly halves the per-query overhead of the scan loop."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


@contextlib.contextmanager
def _scan_gc() -> Iterator[None]:
    """Fewer cyclic garbage collections while the scan runs.

    A scan allocates a few dozen futures, tasks and coroutines per domain; with the default threshold
    (700 allocations) the collector runs thousands of times and walks every live object, which cost
    about a sixth of the scan's CPU (bench/scan_bench.py). The objects alive at start (modules, rule
    tables) are frozen out of the collections, and the youngest generation is collected after 50,000
    allocations instead; memory stays flat, since scan objects die by reference counting. Restored on exit.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _table_row(report: dict[str, Any]) -> str:
    provider = report.get("provider_display") or report.get("provider") or "-"
    shown = report.get("domain_unicode") or report.get("input", "")
    row = _TABLE.format(
        str(shown)[:32], report["status"], str(provider)[:22], report["score"], report["segment"],
        report["category"], report["priority"], report.get("confidence") or "-",
    )
    # A failed line says why (e.g. "the domain does not exist"); the others are explained by their columns.
    return f"{row}  {report['message']}" if report["status"] == "failed" and report.get("message") else row


def _registration_cell(facts: dict[str, Any] | None) -> str:
    if facts is None:
        return _REG_COLUMN.format("-", "-")
    if facts["outcome"] != RegistrationOutcome.OK:
        return _REG_COLUMN.format(facts["outcome"], str(facts.get("reason") or "")[:28])
    expires = (facts.get("expires") or "-")[:10]
    return _REG_COLUMN.format(expires, str(facts.get("registrar") or "-")[:28])


async def _run(inputs: Iterable[str], options: ScanOptions, as_json: bool, progress: Progress,
               registration: RegistrationSetup | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    out = sys.stdout
    if not as_json:
        header = _TABLE.format("domain", "status", "provider", "score", "segment", "cat", "pri", "conf")
        if registration is not None:
            header += _REG_COLUMN.format("expires", "registrar")
        out.write(header + "\n")
    async with Scanner(options) as scanner:
        try:
            async for report in _reports(scanner, inputs, options, registration):
                if as_json:
                    out.write(json.dumps(report, ensure_ascii=False) + "\n")
                elif registration is not None:
                    out.write(_table_row(report) + _registration_cell(report["registration"]) + "\n")
                else:
                    out.write(_table_row(report) + "\n")
                counts[report["status"]] += 1
                progress.step(report["status"])
        finally:
            out.flush()
        note = _pushback_note(scanner)
        if note:
            typer.echo(note, err=True)
    return counts


def _pushback_note(scanner: Scanner) -> str | None:
    """One stderr line when a nameserver or Entra pushed back and the scan slowed down for it."""
    stats = scanner.resolver.stats
    parts: list[str] = []
    for server, pace in scanner.resolver.pacing_report().items():
        if pace["cuts"]:
            parts.append(f"nameserver {server} limited the rate: slowed {pace['cuts']:.0f} times, "
                         f"down to {pace['lowest_rate']:.0f} queries/s, now {pace['rate']:.0f}/s")
    resent = stats["retransmits"] + stats["congestion_retries"]
    if resent:
        lookups = sum(stats[o] for o in ("ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error"))
        parts.append(f"{lookups} DNS lookups, {stats['retransmits']} queries resent, "
                     f"{stats['congestion_retries']} lookups retried after backing off, {stats['tcp']} over TCP")
    if scanner.tenant is not None and scanner.tenant.throttle.pushbacks:
        throttle = scanner.tenant.throttle
        parts.append(f"Entra asked to slow down {throttle.pushbacks} times (domains in flight down to "
                     f"{throttle.lowest})")
    return "pushback: " + "; ".join(parts) if parts else None


async def _reports(scanner: Scanner, inputs: Iterable[str], options: ScanOptions,
                   registration: RegistrationSetup | None) -> AsyncIterator[dict[str, Any]]:
    """Reports in input order. With registration, each domain's lookup starts as the DNS scan reads it
    and runs in the stage's own per-server queues; the DNS scan is drained by its own task into a
    buffer, so it never waits on a slow registry: only the printing of a line waits for its lookup."""
    if registration is None:
        async for outcome in scanner.scan_stream(inputs):
            yield outcome.report(options.scoring_rules)
        return
    cache = SqliteCache(registration.cache_path, registration.ttl)
    async with RegistrationStage(registration.directory, options=registration.options, cache=cache) as stage:
        futures: deque[asyncio.Future[RegistrationFacts] | None] = deque()

        def feed() -> Iterator[str]:
            for text in inputs:
                norm = normalize_domain(text)
                futures.append(stage.submit(norm.domain) if norm.ok and norm.domain else None)
                yield text

        done: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[RegistrationFacts] | None] | None] = asyncio.Queue()

        async def drain_scan() -> None:
            try:
                async for outcome in scanner.scan_stream(feed()):
                    done.put_nowait((outcome.report(options.scoring_rules), futures.popleft()))
            finally:
                done.put_nowait(None)

        producer = asyncio.ensure_future(drain_scan())
        try:
            while (item := await done.get()) is not None:
                report, future = item
                report["registration"] = None if future is None else registration_json(await asyncio.shield(future))
                yield report
            await producer  # re-raise what stopped the scan, if anything did
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
            cache.close()


_FILE_HELP = "One input per line, or a CSV with a domain/website/e-mail column"
_NS_HELP = "HOST[:PORT]; repeat to fail over (default: HUNTER_DNS_NAMESERVERS or the system's)"
_PROGRESS_HELP = "Progress bar on stderr (default: when stderr is a terminal)"
_REGISTRATION_HELP = ("Also look up registration data (RDAP, or WHOIS for .tr and others without RDAP): adds a "
                      "'registration' key to --json and expires/registrar columns to the table; it runs beside "
                      "the DNS scan, each registry at its own rate limit, answers cached 7 days")


def scan_command(
    domains: Annotated[list[str] | None, typer.Argument(help="Domains, URLs or e-mail addresses")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help=_FILE_HELP, exists=True, dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines, one object per input")] = False,
    nameserver: Annotated[list[str] | None, typer.Option("--nameserver", "-n", help=_NS_HELP)] = None,
    no_tenant: Annotated[bool, typer.Option("--no-tenant", help="Skip Microsoft tenant discovery")] = False,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help=_PROGRESS_HELP)] = None,
    registration: Annotated[bool, typer.Option("--registration", help=_REGISTRATION_HELP)] = False,
) -> None:
    """Scan domains: DNS, Microsoft tenant, provider, explained score.

    When a nameserver pushes back (drops queries, answers REFUSED/SERVFAIL or truncated), the scan slows to
    the rate it allows, asks again over UDP or TCP, and speeds up once answers flow; a 429 from Entra pauses
    tenant discovery for its Retry-After. A "pushback:" line on stderr says when either happened.

    Detection: an MX host that is a CNAME is classified by its chain (an alias of
    *.mail.protection.outlook.com is M365); an own server first with Exchange Online beside or behind
    it is M365 with Local kept as secondary (tag hybrid); mail forwarders (Cloudflare Email Routing,
    ImprovMX, ForwardEmail) are gateways; a failed lookup inside the SPF include tree makes SPF
    unknown (no points either way, status partial); DKIM selectors include Yandex 360's and Zoho's;
    DMARC pct, sp and report addresses are shown (pct below 100 is not a full policy); look-alike
    IDNs are scanned and tagged lookalike; a domain that does not exist (NXDOMAIN) is status failed.
    """
    if not domains and file is None:
        raise typer.BadParameter("give domains as arguments or --file")
    settings = Settings()
    try:
        options = scan_options(settings, nameservers=list(nameserver or []), no_tenant=no_tenant)
        setup = registration_setup(settings) if registration else None
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--nameserver" if "nameserver" in str(exc) else None) from exc
    inputs: Iterable[str] = itertools.chain(domains or [], iter_inputs(file) if file else [])
    total = len(domains or []) + (sum(1 for _ in iter_inputs(file)) if file else 0)
    show = sys.stderr.isatty() if progress is None else progress
    bar = Progress(total, enabled=show)
    try:
        with _scan_gc(), asyncio.Runner(loop_factory=_loop_factory()) as runner:
            counts = runner.run(_run(inputs, options, as_json, bar, setup))
    except UnsafeTargetError as exc:
        raise typer.BadParameter(str(exc)) from exc
    except KeyboardInterrupt:
        bar.close()
        typer.echo(f"interrupted after {bar.done} of {total}; the lines above are complete", err=True)
        raise typer.Exit(130) from None
    bar.close()
    if show or not as_json:
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        typer.echo(f"{bar.done} scanned in {bar.elapsed:.1f} s ({bar.rate:.0f}/s): {summary}", err=True)
