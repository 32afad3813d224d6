"""Tests for the fake Entra ID: tenant discovery over httpx, tokens through real MSAL (spec §5 Option B)."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msal
import pytest
import requests

from .entra_server import EntraServer

TID = "8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
FED_TID = "0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
PUBLIC_CLIENT_ID = "66666666-7777-8888-9999-000000000000"
SECRET = "s3cret~value"
DATAVERSE_SCOPE = "https://contoso.crm.dynamics.com/.default"
PARTNER_SCOPE = "https://api.partner.microsoft.com/user_impersonation"
SPEC_V2_KEYS = {
    "token_endpoint", "token_endpoint_auth_methods_supported", "jwks_uri", "issuer", "authorization_endpoint",
    "device_authorization_endpoint", "end_session_endpoint", "userinfo_endpoint", "kerberos_endpoint",
    "scopes_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
    "request_uri_parameter_supported", "tenant_region_scope", "cloud_instance_name", "cloud_graph_host_name",
    "msgraph_host", "rbac_url",
}  # fmt: skip
ERROR_KEYS = {
    "error",
    "error_description",
    "error_codes",
    "timestamp",
    "trace_id",
    "correlation_id",
    "error_uri",
}


def _register(server: EntraServer) -> EntraServer:
    server.add_tenant(TID, ["contoso.com", "Contoso.onmicrosoft.com"], brand="Contoso", region="EU")
    server.add_tenant(FED_TID, ["fabrikam.example"], namespace="Federated", brand="Fabrikam")
    server.add_app(CLIENT_ID, SECRET)
    server.add_app(PUBLIC_CLIENT_ID)
    server.device_poll_interval = 1  # second; MSAL sleeps this long between polls
    return server


@pytest.fixture
def entra() -> Iterator[EntraServer]:
    """A plain-HTTP fake, as the tenant-discovery scanner uses it."""
    with EntraServer() as server:
        yield _register(server)


@pytest.fixture
def entra_tls() -> Iterator[EntraServer]:
    """An HTTPS fake with its own self-signed certificate, as MSAL needs it."""
    with EntraServer(tls=True) as server:
        yield _register(server)


@pytest.fixture
def client(entra: EntraServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=entra.base_url, trust_env=False, timeout=5) as http:
        yield http


def _session(server: EntraServer) -> requests.Session:
    # trust_env=False: REQUESTS_CA_BUNDLE on these machines would override verify= (spec §5 gotcha).
    session = requests.Session()
    session.trust_env = False
    session.verify = server.ca_file
    return session


def _confidential(server: EntraServer, secret: str = SECRET, tenant: str = TID) -> Any:
    # A fresh app object per scenario: MSAL's throttle cache would otherwise replay earlier errors.
    return msal.ConfidentialClientApplication(
        CLIENT_ID, client_credential=secret, authority=f"{server.base_url}/{tenant}",
        instance_discovery=False, http_client=_session(server),
    )  # fmt: skip


def _public(server: EntraServer, tenant: str = TID) -> Any:
    return msal.PublicClientApplication(
        PUBLIC_CLIENT_ID, authority=f"{server.base_url}/{tenant}", instance_discovery=False,
        http_client=_session(server), token_cache=msal.SerializableTokenCache(),
    )  # fmt: skip


def _device_login(
    server: EntraServer, app: Any, *, username: str | None = None, poll_first: bool = False
) -> dict[str, Any]:
    """Run the device flow; with `poll_first` the 'browser' approves only after MSAL has started polling."""
    flow = app.initiate_device_flow(scopes=[PARTNER_SCOPE])
    assert "user_code" in flow, flow
    if not poll_first:
        server.approve_device(flow["user_code"], username=username)
        result: dict[str, Any] = app.acquire_token_by_device_flow(flow)
        return result
    approver = threading.Timer(0.3, server.approve_device, args=(flow["user_code"],))
    approver.start()
    try:
        result = app.acquire_token_by_device_flow(flow)  # polls: pending, sleeps `interval`, then tokens
    finally:
        approver.cancel()
    return result


def _token_posts(server: EntraServer) -> list[str]:
    return [r.form["grant_type"] for r in server.requests if r.path.endswith("/oauth2/v2.0/token")]


# ---- tenant discovery (spec §6) -------------------------------------------------------------------


def test_v1_metadata_by_domain_names_the_tenant(entra: EntraServer, client: httpx.Client) -> None:
    response = client.get("/contoso.com/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "max-age=86400, private"
    doc = response.json()
    assert doc["token_endpoint"] == f"{entra.base_url}/{TID}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{entra.base_url}/{TID}/oauth2/authorize"
    assert doc["device_authorization_endpoint"] == f"{entra.base_url}/{TID}/oauth2/devicecode"
    assert doc["issuer"] == f"https://sts.windows.net/{TID}/"
    assert doc["microsoft_multi_refresh_token"] is True
    assert (doc["tenant_region_scope"], doc["cloud_instance_name"]) == ("EU", "microsoftonline.com")


@pytest.mark.parametrize("segment", ["contoso.com", "CONTOSO.onmicrosoft.com", TID, TID.upper()])
def test_v2_metadata_by_domain_or_id(entra: EntraServer, client: httpx.Client, segment: str) -> None:
    doc = client.get(f"/{segment}/v2.0/.well-known/openid-configuration").json()
    assert doc.keys() >= SPEC_V2_KEYS
    assert doc["token_endpoint"] == f"{entra.base_url}/{TID}/oauth2/v2.0/token"
    assert doc["issuer"] == f"{entra.base_url}/{TID}/v2.0"
    assert doc["device_authorization_endpoint"] == f"{entra.base_url}/{TID}/oauth2/v2.0/devicecode"


def test_default_region_is_ww_and_advertised_base_is_settable(entra: EntraServer, client: httpx.Client) -> None:
    entra.advertised_base = "https://login.microsoftonline.com"
    doc = client.get("/fabrikam.example/.well-known/openid-configuration").json()
    assert doc["tenant_region_scope"] == "WW"
    assert doc["token_endpoint"] == f"https://login.microsoftonline.com/{FED_TID}/oauth2/token"


@pytest.mark.parametrize("version", ["", "/v2.0"])
def test_unknown_domain_is_invalid_tenant(client: httpx.Client, version: str) -> None:
    response = client.get(f"/nope.example{version}/.well-known/openid-configuration")
    assert response.status_code == 400
    body = response.json()
    assert body.keys() == ERROR_KEYS
    assert (body["error"], body["error_codes"]) == ("invalid_tenant", [90002])
    assert body["error_description"].startswith(
        "AADSTS90002: Tenant 'nope.example' not found. Check to make sure you have the correct tenant ID"
    )
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=90002"


@pytest.mark.parametrize("segment", ["common", "organizations"])
def test_multi_tenant_segments_return_the_template(entra: EntraServer, client: httpx.Client, segment: str) -> None:
    v1 = client.get(f"/{segment}/.well-known/openid-configuration").json()
    v2 = client.get(f"/{segment}/v2.0/.well-known/openid-configuration").json()
    assert v1["issuer"] == "https://sts.windows.net/{tenantid}/"
    assert v2["issuer"] == f"{entra.base_url}/{{tenantid}}/v2.0"
    assert v2["token_endpoint"] == f"{entra.base_url}/{segment}/oauth2/v2.0/token"
    assert v2["tenant_region_scope"] is None


def test_user_realm_managed(client: httpx.Client) -> None:
    response = client.get("/getuserrealm.srf", params={"login": "user@Contoso.com", "json": "1"})
    assert response.status_code == 200
    assert response.json() == {
        "State": 4, "UserState": 1, "Login": "user@Contoso.com", "NameSpaceType": "Managed",
        "DomainName": "contoso.com", "FederationBrandName": "Contoso",
        "CloudInstanceName": "microsoftonline.com",
        "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
    }  # fmt: skip


def test_user_realm_federated(client: httpx.Client) -> None:
    body = client.get("/getuserrealm.srf", params={"login": "user@fabrikam.example", "json": "1"}).json()
    assert body == {
        "State": 3, "UserState": 2, "Login": "user@fabrikam.example", "NameSpaceType": "Federated",
        "DomainName": "fabrikam.example", "FederationGlobalVersion": -1,
        "AuthURL": "https://sts.fabrikam.example/adfs/ls/?username=user%40fabrikam.example&wa=wsignin1.0"
        "&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=",
        "FederationBrandName": "Fabrikam", "AuthNForwardType": 1, "CloudInstanceName": "microsoftonline.com",
        "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
    }  # fmt: skip


def test_user_realm_unknown_and_brandless(entra: EntraServer, client: httpx.Client) -> None:
    unknown = client.get("/getuserrealm.srf", params={"login": "user@nope.example", "json": "1"})
    assert unknown.status_code == 200
    assert unknown.json() == {
        "State": 4,
        "UserState": 1,
        "Login": "user@nope.example",
        "NameSpaceType": "Unknown",
    }
    entra.add_tenant("22222222-0000-4000-8000-000000000000", ["plain.example"])
    plain = client.get("/getuserrealm.srf", params={"login": "a@plain.example", "json": "1"}).json()
    assert plain["NameSpaceType"] == "Managed"
    assert "FederationBrandName" not in plain


# ---- fault switches and the request log ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [("500", 500, None), ("503", 503, "1"), ("429", 429, "1"), ("429:7", 429, "7")],
)
def test_status_faults(
    entra: EntraServer, client: httpx.Client, kind: str, status: int, retry_after: str | None
) -> None:
    entra.fault("contoso.com", kind)
    response = client.get("/contoso.com/.well-known/openid-configuration")
    assert response.status_code == status
    assert response.headers.get("retry-after") == retry_after
    assert response.json()["error_codes"]
    assert client.get("/fabrikam.example/.well-known/openid-configuration").status_code == 200


def test_slow_fault_answers_late(entra: EntraServer, client: httpx.Client) -> None:
    entra.fault("contoso.com", "slow:0.3")
    started = time.monotonic()
    response = client.get("/contoso.com/.well-known/openid-configuration")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_bad_json_fault(entra: EntraServer, client: httpx.Client) -> None:
    entra.fault("/getuserrealm.srf", "bad_json")
    response = client.get("/getuserrealm.srf", params={"login": "user@contoso.com", "json": "1"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_drop_fault_closes_without_answer(entra: EntraServer, client: httpx.Client) -> None:
    entra.fault("contoso.com", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/getuserrealm.srf", params={"login": "user@contoso.com", "json": "1"})
    assert client.get("/getuserrealm.srf", params={"login": "user@fabrikam.example"}).status_code == 200


def test_faults_count_down_and_clear(entra: EntraServer, client: httpx.Client) -> None:
    url = "/contoso.com/v2.0/.well-known/openid-configuration"
    entra.fault("/contoso.com/v2.0/", "503", times=2)
    assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
    entra.fault(TID, "500")
    assert client.get(f"/{TID}/.well-known/openid-configuration").status_code == 500
    entra.clear_faults()
    assert client.get(f"/{TID}/.well-known/openid-configuration").status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        entra.fault("contoso.com", "404")


def test_request_log(entra: EntraServer, client: httpx.Client) -> None:
    client.get("/getuserrealm.srf", params={"login": "user@contoso.com", "json": "1"}, headers={"X-Probe": "1"})
    client.post(f"/{TID}/oauth2/v2.0/token", data={"grant_type": "client_credentials", "client_id": "x"})
    first, second = entra.requests
    method, path, query, headers, form = first[:5]
    assert (method, path, query, form) == (
        "GET",
        "/getuserrealm.srf",
        {"login": "user@contoso.com", "json": "1"},
        {},
    )
    assert headers["x-probe"] == "1"
    assert (second.method, second.form) == ("POST", {"grant_type": "client_credentials", "client_id": "x"})
    entra.clear_requests()
    assert entra.requests == []


def test_discovery_over_https_needs_the_ca(entra_tls: EntraServer) -> None:
    trusted = ssl.create_default_context(cafile=entra_tls.ca_file)
    with httpx.Client(base_url=entra_tls.base_url, verify=trusted, trust_env=False) as http:
        assert http.get("/contoso.com/.well-known/openid-configuration").json()["tenant_region_scope"] == "EU"
    with (
        httpx.Client(base_url=entra_tls.base_url, trust_env=False) as http,
        pytest.raises(httpx.ConnectError),
    ):
        http.get("/contoso.com/.well-known/openid-configuration")
    assert entra_tls.base_url.startswith("https://127.0.0.1:")


def test_stop_is_quick_even_with_a_slow_request_in_flight() -> None:
    server = EntraServer().start()
    server.add_tenant(TID, ["contoso.com"])
    server.fault("contoso.com", "slow:30")
    url = f"{server.base_url}/contoso.com/.well-known/openid-configuration"
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            httpx.get(url, trust_env=False, timeout=10)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    caller.join(timeout=5)
    assert time.monotonic() - started < 2
    assert len(outcome) == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False, timeout=2)
    server.stop()  # idempotent


# ---- tokens through real MSAL (spec §1, §2, §5 Option B) ------------------------------------------


def test_client_credentials_identity_provider_then_cache(entra_tls: EntraServer) -> None:
    app = _confidential(entra_tls)
    first = app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    assert first["token_source"] == "identity_provider", first
    assert (first["token_type"], first["expires_in"]) == ("Bearer", 3599)
    second = app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    assert (second["token_source"], second["access_token"]) == ("cache", first["access_token"])
    token = first["access_token"]
    assert entra_tls.valid_token(token, audience="https://contoso.crm.dynamics.com/")
    assert entra_tls.valid_token(f"Bearer {token}")
    assert not entra_tls.valid_token(token, audience="https://api.partner.microsoft.com")
    assert not entra_tls.valid_token(token + "x")
    claims = entra_tls.token_claims(token)
    assert claims is not None and (claims["appid"], claims["tid"]) == (CLIENT_ID, TID)
    (post,) = [r for r in entra_tls.requests if r.method == "POST"]
    assert post.path == f"/{TID}/oauth2/v2.0/token"
    assert post.form["client_secret"] == SECRET and post.form["scope"] == DATAVERSE_SCOPE
    assert post.headers["x-client-sku"] == "MSAL.Python"


def test_client_credentials_bad_secret_is_invalid_client(entra_tls: EntraServer) -> None:
    result = _confidential(entra_tls, secret="wrong").acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")


def test_client_credentials_by_domain_authority_and_bad_scope(entra_tls: EntraServer) -> None:
    app = _confidential(entra_tls, tenant="contoso.com")
    assert "access_token" in app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    bad = app.acquire_token_for_client(scopes=["https://contoso.crm.dynamics.com/user_impersonation"])
    assert (bad["error"], bad["error_codes"]) == ("invalid_scope", [1002012])


def test_msal_rejects_an_unknown_tenant(entra_tls: EntraServer) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        _confidential(entra_tls, tenant="nope.example")


def test_device_flow_end_to_end(entra_tls: EntraServer) -> None:
    app = _public(entra_tls)
    result = _device_login(entra_tls, app, poll_first=True)
    assert {"access_token", "refresh_token", "id_token", "client_info", "scope"} <= result.keys(), result
    assert result["token_source"] == "identity_provider"
    assert result["scope"] == PARTNER_SCOPE
    claims = result["id_token_claims"]
    assert (claims["preferred_username"], claims["tid"], claims["aud"]) == (
        "user@contoso.com",
        TID,
        PUBLIC_CLIENT_ID,
    )
    assert entra_tls.valid_token(result["access_token"], audience="https://api.partner.microsoft.com")
    grants = _token_posts(entra_tls)
    assert len(grants) >= 2 and set(grants) == {"urn:ietf:params:oauth:grant-type:device_code"}  # polled
    (account,) = app.get_accounts(username="user@contoso.com")
    assert account["home_account_id"] == f"{claims['oid']}.{TID}"
    silent = app.acquire_token_silent([PARTNER_SCOPE], account=account)
    assert (silent["token_source"], silent["access_token"]) == ("cache", result["access_token"])


def test_device_flow_on_organizations_signs_in_to_the_users_tenant(entra_tls: EntraServer) -> None:
    app = _public(entra_tls, tenant="organizations")
    result = _device_login(entra_tls, app, username="ops@fabrikam.example")
    assert result["id_token_claims"]["tid"] == FED_TID, result


def test_declined_device_flow(entra_tls: EntraServer) -> None:
    app = _public(entra_tls)
    flow = app.initiate_device_flow(scopes=[PARTNER_SCOPE])
    entra_tls.decline_device(flow["user_code"])
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "authorization_declined"


def test_refresh_after_expiry(entra_tls: EntraServer) -> None:
    entra_tls.token_lifetime = 1  # second; MSAL also treats anything under 5 minutes as expired
    app = _public(entra_tls)
    first = _device_login(entra_tls, app)
    time.sleep(1.1)
    assert not entra_tls.valid_token(first["access_token"])
    (account,) = app.get_accounts()
    entra_tls.token_lifetime = 3599
    refreshed = app.acquire_token_silent([PARTNER_SCOPE], account=account)
    assert refreshed is not None and refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]
    assert entra_tls.valid_token(refreshed["access_token"])
    assert _token_posts(entra_tls)[-1] == "refresh_token"
    entra_tls.expire_all_tokens()
    assert not entra_tls.valid_token(refreshed["access_token"])


def test_revoked_refresh_token_is_invalid_grant(entra_tls: EntraServer) -> None:
    entra_tls.token_lifetime = 60  # seconds: under MSAL's 5-minute margin, so silent calls refresh
    app = _public(entra_tls)
    _device_login(entra_tls, app)
    (account,) = app.get_accounts()
    entra_tls.revoke_refresh_tokens()
    result = app.acquire_token_silent_with_error([PARTNER_SCOPE], account=account)
    assert result is not None and result["error"] == "invalid_grant"
    assert result["error_codes"] == [700082]
    assert _token_posts(entra_tls)[-1] == "refresh_token"


def test_option_a_plain_http_behind_a_rewriting_session() -> None:
    """Spec §5 Option A: documents advertise the real host, the session rewrites it to the fake."""
    with EntraServer(advertised_base="https://login.microsoftonline.com") as server:
        _register(server)

        class Rewriting(requests.Session):
            def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
                real = "https://login.microsoftonline.com"
                return super().request(method, str(url).replace(real, server.base_url), *args, **kwargs)

        session = Rewriting()
        session.trust_env = False
        app = msal.ConfidentialClientApplication(
            CLIENT_ID, client_credential=SECRET, authority=f"https://login.microsoftonline.com/{TID}",
            http_client=session,
        )  # fmt: skip
        result = app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
        assert server.valid_token(result["access_token"]), result


def test_instance_discovery_endpoint(entra_tls: EntraServer) -> None:
    app = msal.ConfidentialClientApplication(
        CLIENT_ID, client_credential=SECRET, authority=f"{entra_tls.base_url}/{TID}",
        instance_discovery=f"{entra_tls.base_url}/common/discovery/instance", http_client=_session(entra_tls),
    )  # fmt: skip
    assert "access_token" in app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    assert entra_tls.requests[0].path == "/common/discovery/instance"


def test_token_endpoint_faults_reach_msal(entra_tls: EntraServer) -> None:
    app = _confidential(entra_tls)  # discovery happens here, before the faults
    entra_tls.fault(f"/{TID}/oauth2/v2.0/token", "drop", times=1)
    with pytest.raises(requests.ConnectionError):
        app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    entra_tls.fault(f"/{TID}/oauth2/v2.0/token", "429", times=1)
    throttled = app.acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
    assert throttled["error"] == "temporarily_unavailable"
    # MSAL replays the 429 locally for Retry-After seconds; a new app object asks the server again.
    assert "access_token" in _confidential(entra_tls).acquire_token_for_client(scopes=[DATAVERSE_SCOPE])
