"""JSON documents served by the fake Entra ID: OIDC discovery, user realm, instance discovery, errors.

Pure functions over plain values, shaped after the recorded real responses quoted in
`shared/specs/entra-auth.md` §3 and §6. The server (`entra_server.py`) decides which one to send.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

JsonDict = dict[str, Any]

ERROR_URI = "https://login.microsoftonline.com/error?code={code}"
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"  # the real Microsoft-account tenant
# Path segments that name no single tenant, mapped to what the real service writes in `issuer`.
MULTI_TENANT_ISSUERS = {
    "common": "{tenantid}",
    "organizations": "{tenantid}",
    "consumers": CONSUMERS_TENANT_ID,
}
NAMESPACE_TYPES = frozenset({"Managed", "Federated"})


@dataclass(frozen=True)
class Tenant:
    """One registered tenant: GUID, verified domains (lower case), namespace type, brand and region."""

    tenant_id: str
    domains: tuple[str, ...]
    namespace: str = "Managed"
    brand: str | None = None
    region: str = "WW"
    auth_url: str | None = None  # Federated only: the IdP sign-in URL (default an AD FS one on sts.<domain>)


def aad_error(error: str, code: int, message: str, *, correlation_id: str | None = None) -> JsonDict:
    """Return an Entra error body: `error_description` starts with `AADSTS<code>:` and ends with ids."""
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    description = (
        f"AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}"
    )
    return {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": ERROR_URI.format(code=code),
    }


def tenant_not_found(segment: str, *, error: str = "invalid_tenant", correlation_id: str | None = None) -> JsonDict:
    """Return the AADSTS90002 body sent for a tenant id or domain that no tenant has verified."""
    message = (
        f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there "
        "are no active subscriptions for the tenant."
    )
    return aad_error(error, 90002, message, correlation_id=correlation_id)


def oidc_v2(base: str, segment: str, issuer_tenant: str, region: str | None) -> JsonDict:
    """Return the v2.0 discovery document; endpoints use `segment`, `issuer` uses `issuer_tenant`.

    For a real tenant both are its GUID; for `common` the issuer holds the literal `{tenantid}`.
    """
    root = f"{base}/{segment}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{issuer_tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": _CLAIMS,
        "kerberos_endpoint": f"{root}/kerberos",
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def oidc_v1(base: str, segment: str, issuer_tenant: str, region: str | None) -> JsonDict:
    """Return the v1 discovery document (issuer on `sts.windows.net`, as the real service writes it)."""
    root = f"{base}/{segment}"
    return {
        "token_endpoint": f"{root}/oauth2/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/common/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": f"https://sts.windows.net/{issuer_tenant}/",
        "microsoft_multi_refresh_token": True,
        "authorization_endpoint": f"{root}/oauth2/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/logout",
        "claims_supported": _CLAIMS,
        "check_session_iframe": f"{root}/oauth2/checksession",
        "userinfo_endpoint": f"{root}/openid/userinfo",
        "kerberos_endpoint": f"{root}/kerberos",
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


_CLAIMS = [
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
    "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name",
    "tid", "ver", "at_hash", "c_hash", "email",
]  # fmt: skip


def user_realm(login: str, tenant: Tenant | None) -> JsonDict:
    """Return the `getuserrealm.srf?json=1` body for `login` (Managed, Federated or Unknown)."""
    if tenant is None:
        return {"State": 4, "UserState": 1, "Login": login, "NameSpaceType": "Unknown"}
    domain = login.rpartition("@")[2].lower()
    body: JsonDict
    if tenant.namespace == "Federated":
        auth_url = tenant.auth_url or (
            f"https://sts.{domain}/adfs/ls/?username={quote(login, safe='')}&wa=wsignin1.0"
            "&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
        )
        body = {"State": 3, "UserState": 2, "Login": login, "NameSpaceType": "Federated",
                "DomainName": domain, "FederationGlobalVersion": -1, "AuthURL": auth_url}  # fmt: skip
        if tenant.brand is not None:
            body["FederationBrandName"] = tenant.brand
        body["AuthNForwardType"] = 1
    else:
        body = {"State": 4, "UserState": 1, "Login": login, "NameSpaceType": "Managed", "DomainName": domain}
        if tenant.brand is not None:
            body["FederationBrandName"] = tenant.brand
    body["CloudInstanceName"] = "microsoftonline.com"
    body["CloudInstanceIssuerUri"] = "urn:federation:MicrosoftOnline"
    return body


def instance_discovery(base: str, authorization_endpoint: str) -> JsonDict:
    """Return the `/common/discovery/instance` answer pointing MSAL at this server's v2.0 metadata.

    The tenant is the first path segment of `authorization_endpoint` (`https://host/<tenant>/oauth2/...`).
    """
    path = authorization_endpoint.split("://", 1)[-1].partition("/")[2]
    tenant = path.split("/", 1)[0] or "common"
    host = base.split("://", 1)[-1]
    return {
        "tenant_discovery_endpoint": f"{base}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }
