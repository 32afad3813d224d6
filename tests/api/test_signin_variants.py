"""Sign-in set up otherwise: with a certificate instead of a client secret (``private_key_jwt``), and with
several allowed tenants (through ``/organizations``, issuer filled with the token's tenant)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from auth_support import OTHER_TENANT, SELLER, TENANT, SigninRig, make_entra, serve_signin, sign_in
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fakes.entra_signin_server import EntraSigninServer


@pytest.fixture(scope="module")
def entra() -> Iterator[EntraSigninServer]:
    server = make_entra()
    server.add_user("olga@fabrikam.example", OTHER_TENANT, roles=["Hunter.Admin"])
    yield server
    server.stop()


def write_certificate(path: Path) -> bytes:
    """A self-signed app certificate with its key in one PEM file (as HUNTER_ENTRA_CLIENT_CERTIFICATE wants);
    returns the certificate part (what is uploaded to the app registration)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hunter web sign-in")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()) + cert_pem)
    return cert_pem


def test_certificate_instead_of_a_secret(tmp_path: Path, entra: EntraSigninServer) -> None:
    pem = tmp_path / "app.pem"
    entra.add_certificate("cert-app", write_certificate(pem))
    stranger = tmp_path / "stranger.pem"
    write_certificate(stranger)  # not uploaded to the app registration
    for path, works in ((pem, True), (stranger, False)):
        for rig in serve_signin(tmp_path / path.stem, entra, entra_client_id="cert-app", entra_client_secret=None,
                                entra_client_certificate=path):
            entra.add_app("cert-app", "unused-secret", [rig.settings.entra_redirect_url])
            with rig.browser() as browser:
                done = sign_in(rig, browser, SELLER)
                if works:
                    assert done.status_code == 303 and browser.get("/api/me").json()["role"] == "seller"
                else:
                    assert done.status_code == 403 and "(token_endpoint)" in done.text
    forms = [r.form for r in entra.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert forms and all("client_secret" not in f and f.get("client_assertion") for f in forms[-2:])


def test_several_tenants_sign_in_through_organizations(tmp_path: Path, entra: EntraSigninServer) -> None:
    rig: SigninRig
    for rig in serve_signin(tmp_path, entra, entra_tenants=f"{TENANT},{OTHER_TENANT}"):
        for username, role in ((SELLER, "seller"), ("olga@fabrikam.example", "admin")):
            with rig.browser() as browser:
                done = sign_in(rig, browser, username)
                assert done.status_code == 303, done.text
                assert browser.get("/api/me").json()["role"] == role
        assert any(r.path.startswith("/organizations/oauth2/v2.0/authorize") for r in entra.requests)
    for rig in serve_signin(tmp_path / "one", entra):  # one tenant only: the other tenant's people are refused
        with rig.browser() as browser:
            done = sign_in(rig, browser, "olga@fabrikam.example")
            assert done.status_code == 403
