"""ID token validation, done here (MSAL ≥ 1.38 only decodes): RS256 signature by a key of the issuer's JWKS,
``iss`` equal to the discovery document's issuer for the token's tenant, ``aud`` equal to our client id,
``exp``/``nbf``/``iat`` with :data:`LEEWAY_SECONDS` of clock skew, ``nonce`` equal to the one we sent, and the
tenant (``tid``) among those allowed. Any failure raises :class:`SigninError` with the reason."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Mapping
from typing import Any

import jwt

from leadhunter.integrations.entra_signin.errors import SigninError

LEEWAY_SECONDS = 120  # clock skew tolerated between Entra and this server
ALGORITHMS = ["RS256"]  # what Entra signs ID tokens with (id_token_signing_alg_values_supported)


def validate_id_token(token: str, *, keys: Callable[[str, bool], Mapping[str, Any] | None], issuer_template: str,
                      client_id: str, nonce: str, tenants: Collection[str]) -> dict[str, Any]:
    """The verified claims of ``token``. ``keys(kid, refresh)`` gives the JWK for a key id (asked once more
    with ``refresh=True`` when unknown: keys roll over); ``issuer_template`` is the discovery document's
    ``issuer``, whose ``{tenantid}`` (multi-tenant documents) is filled with the token's ``tid``;
    ``tenants`` are the allowed tenant ids (lower case)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SigninError("malformed", f"the ID token cannot be read: {exc}") from None
    if header.get("alg") not in ALGORITHMS:
        raise SigninError("bad_algorithm", f"the ID token is signed with {header.get('alg')!r}, not RS256")
    kid = str(header.get("kid") or "")
    jwk = keys(kid, False) or keys(kid, True)
    if jwk is None:
        raise SigninError("unknown_key", f"the ID token's signing key {kid[:40]!r} is not in the issuer's JWKS")
    try:
        key = jwt.PyJWK(dict(jwk), algorithm="RS256").key
        unverified = jwt.decode(token, key, algorithms=ALGORITHMS, options={"verify_aud": False, "verify_iss": False,
                                                                            "verify_exp": False})
    except jwt.PyJWTError as exc:
        raise SigninError("bad_signature", f"the ID token's signature does not verify: {exc}") from None
    tenant = str(unverified.get("tid") or "").lower()
    if not tenant or tenant not in tenants:
        raise SigninError("tenant_not_allowed", f"tenant {tenant[:64]!r} may not sign in to this Hunter")
    issuer = issuer_template.replace("{tenantid}", tenant)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=ALGORITHMS, audience=client_id, issuer=issuer, leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "tid"]})
    except jwt.ExpiredSignatureError:
        raise SigninError("expired", "the ID token has expired") from None
    except jwt.InvalidAudienceError:
        raise SigninError("wrong_audience", "the ID token was issued for another application") from None
    except jwt.InvalidIssuerError:
        raise SigninError("wrong_issuer", f"the ID token's issuer is not {issuer}") from None
    except jwt.PyJWTError as exc:
        raise SigninError("invalid_token", f"the ID token is not valid: {exc}") from None
    if not hmac.compare_digest(str(claims.get("nonce") or "").encode(), nonce.encode()):
        raise SigninError("bad_nonce", "the ID token's nonce is not the one this sign-in sent")
    return claims
