"""The link back to Hunter: with ``HUNTER_PUBLIC_URL`` set, every pushed D365 lead carries
``hnt_hunterurl = <public url>/?lead=<domain>`` (the address that opens the lead in Hunter's UI), written on
create and on every re-push; unset, the column is never sent. Wired from settings as the workers wire it
(``d365_runtime``), against the fake Dataverse over HTTPS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadhunter.config import Settings
from leadhunter.jobs import d365_runtime
from leadhunter.services.d365_snapshots import lead_page_url
from services.d365_env import (  # noqa: F401  (fixtures)
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)

PUBLIC = "https://hunter.contoso-partner.example/app"


def _push(d365: D365Env, settings: Settings, ids: list[int]) -> None:
    options = d365_runtime.push_options(settings)
    request = d365.queue(ids, options=options)
    d365.drain(d365_runtime.client(settings), request.job_id, request.chunks, options=options)
    assert all(d365.sync(cid).status == "synced" for cid in ids)


def test_pushed_leads_link_back_to_their_page_in_hunter(d365: D365Env) -> None:
    ids = d365.seed(3)
    settings = d365.settings(public_url=PUBLIC + "/", d365_retry_backoff=0.05)  # a trailing slash is dropped
    assert settings.public_url == PUBLIC
    _push(d365, settings, ids)
    for n in range(3):
        (lead,) = d365.dataverse.leads_for(f"lead-{n:04d}.com.tr")
        assert lead["hnt_hunterurl"] == f"{PUBLIC}/?lead=lead-{n:04d}.com.tr"
        assert lead["description"] == f"Created by Hunter: {PUBLIC}/?lead=lead-{n:04d}.com.tr"

    before = len(d365.dataverse.writes())
    _push(d365, settings, ids[:1])  # a re-push (an update) writes the link again, like the scores
    again = d365.dataverse.writes()[before:]
    assert again and all(b"hnt_hunterurl" in c.body for c in again if c.status < 300)
    assert d365.dataverse.leads_for("lead-0000.com.tr")[0]["hnt_hunterurl"] == f"{PUBLIC}/?lead=lead-0000.com.tr"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_a_public_url_the_column_is_never_sent(d365: D365Env) -> None:
    ids = d365.seed(2)
    settings = d365.settings(d365_retry_backoff=0.05)
    assert settings.public_url == ""
    _push(d365, settings, ids)
    for lead in d365.dataverse.leads:
        assert "hnt_hunterurl" not in lead and "description" not in lead
    assert d365.dataverse.writes() and not [c for c in d365.dataverse.writes() if b"hnt_hunterurl" in c.body]


def test_the_lead_page_url_escapes_the_domain() -> None:
    assert lead_page_url("https://h.example/", "xn--rnek-3qa.com.tr") == "https://h.example/?lead=xn--rnek-3qa.com.tr"
    assert lead_page_url("https://h.example", "a&b.com") == "https://h.example/?lead=a%26b.com"


@pytest.mark.parametrize("bad", ["hunter.example.com", "ftp://hunter.example", "https://h.example/?x=1", "https://"])
def test_a_public_url_that_is_no_web_address_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="HUNTER_PUBLIC_URL"):
        Settings(public_url=bad, _env_file=None)  # type: ignore[call-arg]
