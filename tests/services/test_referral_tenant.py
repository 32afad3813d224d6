"""A referral's Azure tenant id is the lead's tenant (``tenant_source = "referral"``) until a scan finds one, whose
own tenant then wins (``"scan"``); the lead list, the export and the D365 push (``hnt_tenantid``) read it.

Everything goes through real sockets: the sync reads the fake Partner Center, the scans ask the fake DNS and
the fake Entra's tenant discovery, the push writes to the fake Dataverse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from referral_env import PcEnv, referral
from sqlalchemy import select

from fakes.dataverse_server import DataverseServer
from fakes.dns_server import FakeDnsServer
from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from leadhunter.api.serialize import EXPORT_COLUMNS, REGISTRATION_EXPORT_COLUMNS, export_row, lead_json
from leadhunter.config import Settings
from leadhunter.db.models import Company
from leadhunter.runtime import scan_options
from leadhunter.services import referral_links, scan_jobs
from services.d365_env import CLIENT_ID, SECRET, TENANT_ID, D365Env

REFERRAL_TENANT = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
OTHER_REFERRAL_TENANT = "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e"
SCAN_TENANT = "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f"
LOCAL = "referral-only.com.tr"  # no Microsoft tenant Entra knows: the referral's stays
FOUND = "found-by-scan.com.tr"  # Entra knows a tenant for it: the scan's wins


@pytest.fixture
def d365(pc_env: PcEnv, tmp_path: Path) -> Iterator[D365Env]:
    """A fake Entra and a fake Dataverse of their own (own certificate folder) over the referral test's database."""
    tls = tmp_path / "d365-tls"
    tls.mkdir()
    certificate = write_self_signed_cert(str(tls))
    with EntraServer(certificate=certificate) as entra, DataverseServer(entra, certificate=certificate) as dataverse:
        entra.add_tenant(TENANT_ID, ["hunter-sales.example"])
        entra.add_app(CLIENT_ID, SECRET)
        env = D365Env(entra, dataverse, certificate, pc_env.url, tmp_path / "data")
        try:
            yield env
        finally:
            for client in env.clients:
                client.close()


def _self_hosted(dns: FakeDnsServer, domain: str) -> None:
    dns.add(domain, "MX", f"10 mail.{domain}")
    dns.add(f"mail.{domain}", "A", "198.51.100.25")
    dns.add(domain, "TXT", "v=spf1 mx a -all")


def _with_tenant(seed: int, website: str, tenant: str) -> dict[str, object]:
    return referral(seed, type="Independent", qualification="Direct", referralSource=None, callToAction=None,
                    profile={"website": website, "ids": [{"profileType": "TenantId", "id": tenant}]})


def _companies(env: PcEnv) -> dict[str, Company]:
    with env.factory() as session:
        return {c.domain: c for c in session.scalars(select(Company))}


def _scan(env: PcEnv, dns: FakeDnsServer) -> None:
    """Scan every company with tenant discovery asking the fake Entra (over HTTPS)."""
    options = scan_options(Settings(data_dir=env.data_dir, dns_nameservers=dns.address, dns_timeout=1.0,
                                    tenant_base_url=env.entra.base_url, tenant_ca_file=env.entra.ca_file,
                                    allow_private_targets=True, _env_file=None))  # type: ignore[call-arg]
    with env.factory.begin() as session:
        job, chunks = scan_jobs.create_scan_job(session, list(session.scalars(select(Company.id))), "rescan")
        job_id = job.id
    for chunk in chunks:
        asyncio.run(scan_jobs.scan_chunk(env.factory, options, job_id, chunk))


def test_referral_tenant_is_the_leads_until_a_scan_finds_one(pc_env: PcEnv, dns: FakeDnsServer,
                                                             d365: D365Env) -> None:
    for domain in (LOCAL, FOUND):
        _self_hosted(dns, domain)
    pc_env.entra.add_tenant(SCAN_TENANT, [FOUND], brand="Found")
    pc_env.pc.add_referrals([_with_tenant(501, f"www.{LOCAL}", REFERRAL_TENANT),
                             _with_tenant(502, FOUND, OTHER_REFERRAL_TENANT)])
    assert pc_env.sync().status == "ok"

    synced = _companies(pc_env)  # before any scan: both leads carry their referral's tenant
    assert {d: (c.tenant_id, c.tenant_source) for d, c in synced.items()} == {
        LOCAL: (REFERRAL_TENANT, "referral"), FOUND: (OTHER_REFERRAL_TENANT, "referral")}
    shown = lead_json(synced[LOCAL], [])
    assert (shown["tenant_id"], shown["tenant_source"]) == (REFERRAL_TENANT, "referral")
    header = [name for name, _ in EXPORT_COLUMNS] + REGISTRATION_EXPORT_COLUMNS
    row = dict(zip(header, export_row(synced[LOCAL], []), strict=True))
    assert (row["tenant_id"], row["tenant_source"]) == (REFERRAL_TENANT, "referral")

    for _ in range(2):  # the first scan, then a rescan: the referral's tenant survives, the scan's wins
        _scan(pc_env, dns)
        scanned = _companies(pc_env)
        assert (scanned[LOCAL].tenant_id, scanned[LOCAL].tenant_source) == (REFERRAL_TENANT, "referral")
        assert (scanned[FOUND].tenant_id, scanned[FOUND].tenant_source) == (SCAN_TENANT, "scan")
        assert scanned[LOCAL].scan_status is not None and scanned[LOCAL].score is not None

    # A later sync bringing a changed referral tenant does not replace a tenant the scan found.
    changed = pc_env.pc.referral(next(r for r in pc_env.pc.referral_ids
                                      if pc_env.pc.referral(r)["customerProfile"]["website"] == FOUND))
    changed["customerProfile"]["ids"] = [{"profileType": "TenantId", "id": REFERRAL_TENANT}]
    changed["updatedDateTime"] = "2099-01-01T00:00:00.0000000Z"
    pc_env.pc.add_referrals([changed])
    assert pc_env.sync().status == "ok"
    assert _companies(pc_env)[FOUND].tenant_id == SCAN_TENANT

    # The D365 push sends the tenant as hnt_tenantid (the fake Dataverse over HTTPS).
    ids = [c.id for c in _companies(pc_env).values()]
    request = d365.queue(ids)
    d365.drain(d365.client(), request.job_id, request.chunks)
    assert d365.dataverse.leads_for(LOCAL)[0]["hnt_tenantid"] == REFERRAL_TENANT
    assert d365.dataverse.leads_for(FOUND)[0]["hnt_tenantid"] == SCAN_TENANT


def test_a_referral_moved_by_hand_takes_its_tenant_along(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals([_with_tenant(503, LOCAL, REFERRAL_TENANT)])
    assert pc_env.sync().status == "ok"
    with pc_env.factory.begin() as session:
        referral_id = next(iter(pc_env.stored()))
        session.add(Company(domain="other-lead.com.tr", domain_unicode="other-lead.com.tr"))
        session.flush()
        referral_links.link_to_lead(session, referral_id, "other-lead.com.tr", by="seller@example.com")
    companies = _companies(pc_env)
    assert (companies["other-lead.com.tr"].tenant_id, companies["other-lead.com.tr"].tenant_source) == (
        REFERRAL_TENANT, "referral")
    assert (companies[LOCAL].tenant_id, companies[LOCAL].tenant_source) == (None, None)  # no referral says so now
