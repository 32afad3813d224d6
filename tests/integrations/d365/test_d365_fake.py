"""The fake Dataverse itself, spoken to with plain httpx: its OData rules must match the spec, otherwise the
adapter tests would prove nothing."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator

import httpx
import pytest

from fakes.dataverse_server import DataverseServer
from fakes.entra_server import EntraServer

AUTH = {"Authorization": "Bearer any", "Accept": "application/json", "OData-Version": "4.0"}
ROOT = "/api/data/v9.2"
Org = tuple[DataverseServer, httpx.Client]


@pytest.fixture
def org() -> Iterator[tuple[DataverseServer, httpx.Client]]:
    """An org with the alternate key that accepts any bearer token (no Entra), and a client for it."""
    with DataverseServer() as server:
        verify = ssl.create_default_context(cafile=server.ca_file)
        # 30 s: a 1,000-part batch is parsed slowly when the machine is busy
        with httpx.Client(base_url=server.org_url + ROOT, verify=verify, headers=AUTH, trust_env=False,
                          timeout=30) as client:  # fmt: skip
            yield server, client


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_create_answers_204_with_the_entity_id_or_201_with_a_representation(
    org: Org,
) -> None:
    server, client = org
    plain = client.post("/leads", json={"subject": "a", "hnt_domain": "a.example"})
    assert plain.status_code == 204 and plain.headers["OData-EntityId"].endswith(f"/leads({server.leads[0]['leadid']})")
    shown = client.post("/leads?$select=leadid,subject", json={"subject": "b", "hnt_domain": "b.example"},
                        headers={"Prefer": "return=representation"})  # fmt: skip
    assert shown.status_code == 201 and set(shown.json()) == {"@odata.context", "@odata.etag", "leadid", "subject"}


def test_conditional_patches_follow_the_upsert_table(org: Org) -> None:
    _, client = org
    key = "/leads(hnt_domain='c.example')"
    assert client.patch(key, json={"subject": "x"}, headers={"If-Match": "*"}).status_code == 404
    created = client.patch(key, json={"subject": "x"}, headers={"If-None-Match": "*"})
    assert created.status_code == 204 and created.headers["OData-EntityId"].endswith(key)  # key form echoed
    refused = client.patch(key, json={"subject": "y"}, headers={"If-None-Match": "*"})
    assert refused.status_code == 412 and _code(refused) == "0x80040237"
    current = client.get(key).json()["@odata.etag"]
    assert client.patch(key, json={"subject": "z"}, headers={"If-Match": 'W/"1"'}).status_code == 412
    assert client.patch(key, json={"subject": "z"}, headers={"If-Match": current}).status_code == 204
    assert client.patch(key, json={"subject": "again"}).status_code == 204  # plain upsert updates
    assert [row["subject"] for row in org[0].leads] == ["again"]


def test_the_alternate_key_is_unique(org: Org) -> None:
    _, client = org
    assert client.post("/leads", json={"hnt_domain": "d.example"}).status_code == 204
    duplicate = client.post("/leads", json={"hnt_domain": "D.example"})
    assert duplicate.status_code == 412 and _code(duplicate) == "0x80040237"


def test_queries_filter_select_top_and_refuse_skip(org: Org) -> None:
    server, client = org
    for name in ("e1", "e2", "e3"):
        server.add_lead(subject=name, hnt_domain=f"{name}.example", emailaddress1="x@e.example")
    rows = client.get("/leads", params={"$filter": "hnt_domain eq 'E2.example' or subject eq 'e3'",
                                        "$select": "subject", "$top": "5"}).json()["value"]  # fmt: skip
    assert [r["subject"] for r in rows] == ["e2", "e3"] and set(rows[0]) == {"@odata.etag", "leadid", "subject"}
    newest = client.get("/leads", params={"$filter": "emailaddress1 eq 'x@e.example' and hnt_domain ne null",
                                          "$orderby": "createdon desc", "$top": "1"}).json()["value"]  # fmt: skip
    assert [r["subject"] for r in newest] == ["e3"]
    assert client.get("/leads", params={"$skip": "1"}).status_code == 400
    assert _code(client.get("/leads", params={"$filter": "nope eq 1"})) == "0x80060888"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"nonsense": 1}, "0x80060888"),
        ({"companyname": "x" * 101}, "0x80044331"),
        ({"hnt_source": 5}, "0x80044331"),
        ({"hnt_finalscore": 101}, "0x80044331"),
    ],
)
def test_writes_are_validated(org: Org, body: dict[str, object], code: str) -> None:
    response = org[1].post("/leads", json=body)
    assert response.status_code == 400 and _code(response) == code


def test_a_key_the_org_lacks_is_refused() -> None:
    with (
        DataverseServer(alternate_key=False) as server,
        httpx.Client(verify=ssl.create_default_context(cafile=server.ca_file), trust_env=False) as client,
    ):
        response = client.patch(f"{server.org_url}{ROOT}/leads(hnt_domain='a.example')", json={}, headers=AUTH)
    assert response.status_code == 400 and "key in the request URI is not valid" in response.text


def _batch(operations: list[tuple[str, str, dict[str, object]]], *, changeset: bool = True) -> tuple[str, bytes]:
    lines = []
    inner = "changeset_x" if changeset else "batch_x"
    for n, (method, url, body) in enumerate(operations, start=1):
        payload = json.dumps(body)
        lines += [f"--{inner}", "Content-Type: application/http", "Content-Transfer-Encoding: binary",
                  f"Content-ID: {n}", "", f"{method} {ROOT}{url} HTTP/1.1", "Content-Type: application/json",
                  f"Content-Length: {len(payload)}", "", payload]  # fmt: skip
    if changeset:
        lines = ["--batch_x", "Content-Type: multipart/mixed; boundary=changeset_x", "", *lines, "--changeset_x--"]
    lines += ["--batch_x--", ""]
    return "multipart/mixed; boundary=batch_x", "\r\n".join(lines).encode()


def test_a_failed_change_set_is_rolled_back_and_answered_by_its_failing_part(
    org: Org,
) -> None:
    server, client = org
    content_type, body = _batch([("POST", "/leads", {"hnt_domain": "f.example"}),
                                 ("POST", "/leads", {"hnt_domain": "g.example", "bogus": 1})])  # fmt: skip
    headers = {"Content-Type": content_type, "Prefer": "odata.continue-on-error"}
    response = client.post("/$batch", content=body, headers=headers)
    assert response.status_code == 200 and server.leads == []
    assert "Content-ID: 2" in response.text and "HTTP/1.1 400 Bad Request" in response.text
    # no part succeeded (status lines only: the boundary and ids are random hex and may contain "201")
    assert "HTTP/1.1 201" not in response.text and "HTTP/1.1 204" not in response.text
    stopped = client.post("/$batch", content=body, headers={"Content-Type": content_type})
    assert stopped.status_code == 400  # without continue-on-error the batch takes the failure's status


def test_a_change_set_commits_as_a_whole_and_the_batch_size_is_capped(
    org: Org,
) -> None:
    server, client = org
    content_type, body = _batch([("POST", "/leads", {"hnt_domain": f"h{n}.example"}) for n in range(3)])
    response = client.post("/$batch", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200 and response.text.count("HTTP/1.1 204 No Content") == 3
    assert "changesetresponse_" in response.text and len(server.leads) == 3
    content_type, body = _batch([("POST", "/leads", {}) for _ in range(1001)], changeset=False)
    assert client.post("/$batch", content=body, headers={"Content-Type": content_type}).status_code == 400


def test_a_missing_or_foreign_token_is_a_401_with_a_challenge(certificate: tuple[str, str], entra: EntraServer) -> None:
    with (
        DataverseServer(entra, certificate=certificate) as server,
        httpx.Client(verify=ssl.create_default_context(cafile=certificate[0]), trust_env=False) as client,
    ):
        for headers in ({}, AUTH):
            response = client.get(f"{server.org_url}{ROOT}/leads", headers=headers)
            assert response.status_code == 401 and "resource_id=" in response.headers["WWW-Authenticate"]
