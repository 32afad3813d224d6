"""Push many leads with `$batch` change sets and read a result per lead.

Leads are cut into chunks of `changeset_size`; each chunk runs in a worker thread (at most
`max_in_flight`, and the org's `SendGate` caps requests in flight anyway): it looks up which leads exist
(one `$filter … or …` GET per `lookup_chunk` domains), then sends one `$batch` request holding one change
set of conditional PATCHes (`writes.plan_write`), with `Prefer: odata.continue-on-error`.

A change set is atomic: when one write fails the server rolls the whole set back and answers with the
failing part. That item is settled (412 on create → update, 404 on update → create, 5xx → tried again up
to `MAX_PART_FAILURES` times, anything else → its outcome); the others are re-sent in the next round.
When the failing part cannot be told apart, the set's items are re-sent one per change set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from leadhunter.integrations.common.errors import IntegrationError, ProtocolError
from leadhunter.integrations.common.send_gate import Attempt

from .batch import BatchOperation, BatchPart, build_batch, parse_batch_response
from .connection import CallResult, Connection
from .errors import Category
from .mapping import LeadPayload, LeadSnapshot
from .payloads import API_PATH
from .upsert import MAX_SWITCHES, error_outcome, failure_outcome, map_or_fail, success_outcome
from .writes import Mode, PushOutcome, deterministic_lead_id, plan_write

__all__ = ["MAX_PART_FAILURES", "push_leads"]

MAX_PART_FAILURES = 3  # 5xx answers to one lead's write inside batches before its push fails
MAX_ROUNDS = 60  # safety net; every round settles or advances at least one lead per change set
ROLLED_BACK = 424  # "Failed Dependency": recorded for writes undone because another write in the set failed


@dataclass
class _Item:
    index: int
    lead: LeadSnapshot
    payload: LeadPayload
    mode: Mode = "create"
    lead_id: str | None = None  # the target row in an org without an alternate key
    planned: bool = False
    solo: bool = False  # send alone: its change set failed without saying which write failed
    failures: int = 0
    switches: int = 0
    trail: list[Attempt] = field(default_factory=list)


def _plan(
    conn: Connection, items: list[_Item], by_key: bool, known_ids: Mapping[str, str], trail: list[Attempt]
) -> None:
    """Decide create vs update (and the target id without an alternate key) for not-yet-planned items.

    The lookups' HTTP exchanges go to `trail` (shared by the chunk: attached to the leads only on failure).
    """
    todo = [item for item in items if not item.planned]
    if not todo:
        return
    column = conn.config.mapping.domain_column
    found = {d: i for d, i in known_ids.items() if not by_key}
    found.update(conn.find_lead_ids(column, [i.lead.domain for i in todo if i.lead.domain not in found], trail=trail))
    if not by_key:
        # Only addresses the mapping accepted (on the company's own domain) are looked up.
        emails = {
            str(i.payload.on_create["emailaddress1"]).lower(): i
            for i in todo
            if i.lead.domain not in found and "emailaddress1" in i.payload.on_create
        }
        for email, lead_id in conn.find_lead_ids("emailaddress1", emails, only_unclaimed=True, trail=trail).items():
            found.setdefault(emails[email].lead.domain, lead_id)
    for item in todo:
        item.planned, item.lead_id = True, found.get(item.lead.domain)
        item.mode = "update" if item.lead_id else "create"
        if not by_key and item.lead_id is None:
            item.lead_id = deterministic_lead_id(item.lead.domain)


def _with_part(attempts: tuple[Attempt, ...], part: BatchPart | None, status: int | None) -> list[Attempt]:
    """The batch's exchanges as this lead's attempts: the last one carries the lead's own part status."""
    if not attempts:
        return []
    last = attempts[-1]
    request_id = (part.headers.get("req_id") if part is not None else None) or last.service_request_id
    error = "rolled back: another write in the change set failed" if status == ROLLED_BACK else last.error
    return [*attempts[:-1], dataclasses.replace(last, status=status, service_request_id=request_id, error=error)]


class _Round:
    """One change set: send it, then sort its items into settled outcomes and items to send again."""

    def __init__(self, conn: Connection, by_key: bool, known_ids: Mapping[str, str]) -> None:
        self.conn, self.by_key, self.known_ids = conn, by_key, known_ids
        self.key_column = conn.config.mapping.domain_column if by_key else None

    def run(self, chunk: list[_Item]) -> tuple[list[tuple[_Item, PushOutcome]], list[_Item]]:
        lookups: list[Attempt] = []
        try:
            _plan(self.conn, chunk, self.by_key, self.known_ids, lookups)
        except IntegrationError as exc:
            return [(item, error_outcome(item.lead.domain, exc, (*item.trail, *lookups))) for item in chunk], []
        ops = {str(n): item for n, item in enumerate(chunk, start=1)}
        operations = []
        for content_id, item in ops.items():
            op = plan_write(item.payload, item.mode, key_column=self.key_column, lead_id=item.lead_id)
            operations.append(BatchOperation(content_id, "PATCH", API_PATH + op.path, op.body, op.headers))
        content_type, body = build_batch([operations])
        headers = {"Content-Type": content_type, "Prefer": "odata.continue-on-error"}
        result = self.conn.call("POST", "/$batch", headers=headers, content=body)
        if result.status != 200 or result.response is None:
            return self._all_failed(chunk, result), []
        try:
            parts = parse_batch_response(result.response.headers.get("Content-Type", ""), result.response.content)
        except ValueError as exc:
            error = ProtocolError(f"unreadable $batch answer: {exc}", status=200, request_id=result.request_id)
            return self._all_failed(chunk, CallResult(None, error, result.attempts)), []
        return self._settle(ops, parts, result)

    def _all_failed(self, chunk: list[_Item], result: CallResult) -> list[tuple[_Item, PushOutcome]]:
        settled = []
        for item in chunk:
            item.trail += result.attempts
            settled.append((item, failure_outcome(item.lead.domain, result, tuple(item.trail))))
        return settled

    def _settle(
        self, ops: dict[str, _Item], parts: list[BatchPart], result: CallResult
    ) -> tuple[list[tuple[_Item, PushOutcome]], list[_Item]]:
        settled: list[tuple[_Item, PushOutcome]] = []
        again: list[_Item] = []
        answered = {p.content_id: p for p in parts if p.content_id in ops}
        failed = [p for p in parts if p.status >= 300]
        if not failed and len(answered) == len(ops):
            for content_id, item in ops.items():
                part = answered[content_id]
                item.trail += _with_part(result.attempts, part, part.status)
                part_result = CallResult(_part_response(part, result), None, tuple(item.trail))
                settled.append((item, success_outcome(item.lead.domain, item.mode, part_result, tuple(item.trail))))
            return settled, again
        culprit = failed[0] if failed else None
        if culprit is not None and culprit.content_id is None and len(ops) == 1:
            culprit = dataclasses.replace(culprit, content_id=next(iter(ops)))
        for content_id, item in ops.items():
            if culprit is not None and culprit.content_id == content_id:
                item.trail += _with_part(result.attempts, culprit, culprit.status)
                outcome = self._after_failure(item, culprit, result)
                if outcome is None:
                    again.append(item)
                else:
                    settled.append((item, outcome))
                continue
            item.trail += _with_part(result.attempts, None, ROLLED_BACK)
            if culprit is None or culprit.content_id is None:
                item.solo = True  # cannot tell which write failed: send each alone next time
            if culprit is None:  # the answer skipped this write: do not ask forever
                item.failures += 1
                if item.failures >= MAX_PART_FAILURES:
                    error = ProtocolError("the $batch answer never included this write", status=result.status,
                                          request_id=result.request_id)  # fmt: skip
                    settled.append((item, error_outcome(item.lead.domain, error, tuple(item.trail))))
                    continue
            again.append(item)
        return settled, again

    def _after_failure(self, item: _Item, part: BatchPart, result: CallResult) -> PushOutcome | None:
        """Settle the failing write: None to send it again (switched or retried), else its outcome."""
        status = part.status
        if (item.mode, status) in (("create", 412), ("update", 404)) and item.switches < MAX_SWITCHES:
            item.switches += 1
            item.mode = "update" if item.mode == "create" else "create"
            if not self.by_key and item.mode == "create":
                item.lead_id = deterministic_lead_id(item.lead.domain)  # the found lead was deleted meanwhile
            return None
        if status >= 500 and item.failures + 1 < MAX_PART_FAILURES:
            item.failures += 1
            return None
        part_result = CallResult(_part_response(part, result), None, ())
        outcome = failure_outcome(item.lead.domain, part_result, tuple(item.trail))
        if (item.mode, status) in (("create", 412), ("update", 404)):
            outcome = dataclasses.replace(outcome, category=Category.CONFLICT)
        return outcome


def _part_response(part: BatchPart, result: CallResult) -> httpx.Response:
    """An httpx.Response standing for one part, so part answers read like direct ones."""
    request = result.response.request if result.response is not None else None
    return httpx.Response(part.status, headers=part.headers, content=part.body, request=request)


def push_leads(conn: Connection, leads: Sequence[LeadSnapshot], known_ids: Mapping[str, str]) -> list[PushOutcome]:
    """Push `leads` (see the module docstring); one outcome per lead, in input order. Never raises for D365.

    `known_ids` maps domain → stored lead id (used in orgs without an alternate key). A domain listed
    twice is pushed once; both entries get the same outcome.
    """
    outcomes: list[PushOutcome | None] = [None] * len(leads)
    first: dict[str, _Item] = {}
    first_index: dict[str, int] = {}
    duplicates: list[tuple[int, int]] = []
    for index, lead in enumerate(leads):
        if lead.domain in first_index:
            duplicates.append((index, first_index[lead.domain]))
            continue
        first_index[lead.domain] = index
        mapped = map_or_fail(conn, lead)
        if isinstance(mapped, PushOutcome):
            outcomes[index] = mapped
        else:
            first[lead.domain] = _Item(index, lead, mapped)
    discovery: list[Attempt] = []
    try:
        by_key = conn.uses_alternate_key(discovery)
    except IntegrationError as exc:
        for item in first.values():
            outcomes[item.index] = error_outcome(item.lead.domain, exc, tuple(discovery))
        by_key, first = False, {}
    known = {d.lower(): i.lower() for d, i in known_ids.items()}
    runner = _Round(conn, by_key, known)
    pending = sorted(first.values(), key=lambda i: i.index)
    size = conn.config.changeset_size
    with ThreadPoolExecutor(max_workers=conn.config.max_in_flight, thread_name_prefix="d365-batch") as pool:
        for _ in range(MAX_ROUNDS):
            if not pending:
                break
            solo = [[item] for item in pending if item.solo]
            grouped = [item for item in pending if not item.solo]
            chunks = solo + [grouped[n : n + size] for n in range(0, len(grouped), size)]
            pending = []
            for settled, again in pool.map(runner.run, chunks):
                for item, outcome in settled:
                    outcomes[item.index] = outcome
                pending += again
            pending.sort(key=lambda i: i.index)
    for item in pending:  # MAX_ROUNDS exhausted (should not happen): report rather than loop forever
        message = "gave up: change sets kept failing"
        outcomes[item.index] = PushOutcome(item.lead.domain, False, category=Category.TRANSIENT, message=message,
                                           attempts=tuple(item.trail))  # fmt: skip
    for index, original in duplicates:
        outcomes[index] = outcomes[original]
    return [o if o is not None else PushOutcome(leads[i].domain, False, category=Category.PROTOCOL)
            for i, o in enumerate(outcomes)]  # fmt: skip
