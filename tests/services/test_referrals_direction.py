"""``HUNTER_PARTNER_CENTER_DIRECTION``: which referrals a sync asks the (fake) Partner Center for — Incoming by
default, Outgoing, or both — and a change of direction reads everything once instead of continuing from the
watermark of runs that never asked for the other direction."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from referral_env import PcEnv

from fakes.partner_center_data import generate_referrals
from leadhunter.config import Settings
from leadhunter.db.referral_runs_repo import recent
from leadhunter.jobs import referral_runtime


def _sync(env: PcEnv, direction: str | None = None) -> str:
    settings = env.settings(**({"partner_center_direction": direction} if direction else {}))
    return env.sync(options=referral_runtime.sync_options(settings)).status


def _filters(env: PcEnv) -> list[str]:
    """The ``$filter`` of every first page the fake was asked for (follow-up pages carry a skip token)."""
    return [r.query.get("$filter", "") for r in env.pc.requests if "$skiptoken" not in r.query]


def test_incoming_by_default_then_both_reads_the_outgoing_ones_too(pc_env: PcEnv) -> None:
    everything = generate_referrals(150, seed=11)
    pc_env.pc.add_referrals(everything)
    incoming = {r["id"] for r in everything if r["direction"] == "Incoming"}
    outgoing = {r["id"] for r in everything if r["direction"] == "Outgoing"}
    assert incoming and outgoing

    assert _sync(pc_env) == "ok"  # the default: Incoming only
    assert set(pc_env.stored()) == incoming
    assert _filters(pc_env)[-1] == "direction eq 'Incoming'"

    pc_env.pc.requests.clear()
    assert _sync(pc_env, "both") == "ok"  # a new direction: a full read, not from the Incoming watermark
    assert set(pc_env.stored()) == incoming | outgoing
    assert {s.direction for s in pc_env.stored().values()} == {"Incoming", "Outgoing"}
    assert "direction" not in _filters(pc_env)[-1]
    with pc_env.factory() as session:
        runs = recent(session)
        assert [(r.direction, r.watermark_from is None) for r in runs[:2]] == [("both", True), ("Incoming", True)]

    pc_env.pc.requests.clear()
    assert _sync(pc_env, "both") == "ok"  # the same direction again: incremental, from its own watermark
    with pc_env.factory() as session:
        assert recent(session)[0].watermark_from is not None


def test_outgoing_only(pc_env: PcEnv) -> None:
    everything = generate_referrals(150, seed=12)
    pc_env.pc.add_referrals(everything)
    assert _sync(pc_env, "Outgoing") == "ok"
    assert set(pc_env.stored()) == {r["id"] for r in everything if r["direction"] == "Outgoing"}
    assert _filters(pc_env)[-1] == "direction eq 'Outgoing'"


@pytest.mark.parametrize(("given", "kept"), [("Incoming", "Incoming"), ("outgoing", "Outgoing"), ("BOTH", "both")])
def test_the_setting_takes_any_letter_case(given: str, kept: str) -> None:
    assert Settings(partner_center_direction=given, _env_file=None).partner_center_direction == kept  # type: ignore[call-arg]


def test_an_unknown_direction_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="Incoming, Outgoing or both"):
        Settings(partner_center_direction="sideways", _env_file=None)  # type: ignore[call-arg]
