"""Token providers through real MSAL against the fake Entra over HTTPS (no patching)."""

from __future__ import annotations

import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from leadhunter.integrations.common.errors import (
    ConfigurationError,
    CredentialsRejected,
    SignInRequired,
    TransientError,
)
from leadhunter.integrations.common.tokens import (
    Authority,
    ClientCredentialsTokenProvider,
    DelegatedTokenProvider,
    DeviceCodePrompt,
    client_credentials_provider,
)

TID = "8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
APP_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "s3cret~value"
PUBLIC_ID = "66666666-7777-8888-9999-000000000000"
DATAVERSE_SCOPE = "https://contoso.crm.dynamics.com/.default"
PARTNER_SCOPE = "https://api.partner.microsoft.com/user_impersonation"
USER = "kari@contoso.com"


@pytest.fixture
def entra() -> Iterator[EntraServer]:
    with EntraServer(tls=True) as server:
        server.add_tenant(TID, ["contoso.com"], brand="Contoso")
        server.add_app(APP_ID, SECRET)
        server.add_app(PUBLIC_ID)
        server.device_poll_interval = 1  # second
        yield server


def _authority(entra: EntraServer) -> Authority:
    return Authority(f"{entra.base_url}/{TID}", verify=entra.ca_file, instance_discovery=False)


def _token_requests(entra: EntraServer, grant: str) -> int:
    return sum(1 for r in entra.requests if r.path.endswith("/token") and r.form.get("grant_type") == grant)


def _delegated(entra: EntraServer, path: Path) -> DelegatedTokenProvider:
    return DelegatedTokenProvider(client_id=PUBLIC_ID, authority=_authority(entra), scopes=[PARTNER_SCOPE],
                                  cache_path=path)  # fmt: skip


def _signed_in(entra: EntraServer, path: Path) -> DelegatedTokenProvider:
    provider = _delegated(entra, path)
    entra.auto_approve_devices(username=USER, after_polls=0)
    provider.login(prompt=lambda prompt: None, timeout=30)
    entra.stop_auto_approve()
    return provider


# ---- client credentials ---------------------------------------------------------------------------


def test_client_credentials_token_is_cached(entra: EntraServer) -> None:
    provider = ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=_authority(entra),
                                              scope=DATAVERSE_SCOPE)  # fmt: skip
    first = provider.token()
    assert provider.token() == first
    assert entra.valid_token(first, audience="https://contoso.crm.dynamics.com")
    assert provider.acquisitions == 1 and _token_requests(entra, "client_credentials") == 1


def test_concurrent_callers_do_not_stampede(entra: EntraServer) -> None:
    provider = ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=_authority(entra),
                                              scope=DATAVERSE_SCOPE)  # fmt: skip
    entra.fault("/" + TID + "/oauth2", "slow:0.3", times=1)  # the first fetch is slow: others pile up behind it
    barrier = threading.Barrier(8)
    tokens: list[str] = []

    def worker() -> None:
        barrier.wait()
        tokens.append(provider.token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 8 and len(set(tokens)) == 1
    assert _token_requests(entra, "client_credentials") == 1


def test_invalidate_fetches_a_new_token_and_ignores_stale_invalidations(entra: EntraServer) -> None:
    provider = ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=_authority(entra),
                                              scope=DATAVERSE_SCOPE)  # fmt: skip
    old = provider.token()
    provider.invalidate(old)
    new = provider.token()
    assert new != old and provider.acquisitions == 2
    provider.invalidate(old)  # a second caller reporting the same 401: the new token stays
    assert provider.token() == new and provider.acquisitions == 2


def test_shared_provider_per_process(entra: EntraServer) -> None:
    authority = _authority(entra)
    one = client_credentials_provider(client_id=APP_ID, client_secret=SECRET, authority=authority,
                                      scope=DATAVERSE_SCOPE)  # fmt: skip
    two = client_credentials_provider(client_id=APP_ID, client_secret=SECRET, authority=authority,
                                      scope=DATAVERSE_SCOPE)  # fmt: skip
    other = client_credentials_provider(client_id=APP_ID, client_secret="other", authority=authority,
                                        scope=DATAVERSE_SCOPE)  # fmt: skip
    assert one is two and other is not one


def test_bad_secret_is_credentials_rejected(entra: EntraServer) -> None:
    provider = ClientCredentialsTokenProvider(client_id=APP_ID, client_secret="wrong", authority=_authority(entra),
                                              scope=DATAVERSE_SCOPE)  # fmt: skip
    with pytest.raises(CredentialsRejected) as caught:
        provider.token()
    assert caught.value.code == "invalid_client"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"client_secret": ""}, "client secret"), ({"scope": "https://x/user_impersonation"}, "/.default")],
)
def test_bad_configuration(entra: EntraServer, kwargs: dict[str, str], match: str) -> None:
    options = {"client_id": APP_ID, "client_secret": SECRET, "authority": _authority(entra), "scope": DATAVERSE_SCOPE}
    options.update(kwargs)
    with pytest.raises(ConfigurationError, match=match):
        ClientCredentialsTokenProvider(**options)  # type: ignore[arg-type]


def test_unknown_tenant_and_http_authority_are_configuration_errors(entra: EntraServer) -> None:
    unknown = Authority(f"{entra.base_url}/nobody.example.org", verify=entra.ca_file, instance_discovery=False)
    with pytest.raises(ConfigurationError):
        ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=unknown,
                                       scope=DATAVERSE_SCOPE).token()  # fmt: skip
    plain = Authority("http://127.0.0.1:1/x", instance_discovery=False)
    with pytest.raises(ConfigurationError, match="https"):
        ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=plain,
                                       scope=DATAVERSE_SCOPE).token()  # fmt: skip


def test_unreachable_authority_is_transient(tmp_path: Path) -> None:
    with EntraServer(certificate=write_self_signed_cert(str(tmp_path))) as gone:
        authority = _authority(gone)  # the port is closed once the block ends; the CA file stays
    with pytest.raises(TransientError):
        ClientCredentialsTokenProvider(client_id=APP_ID, client_secret=SECRET, authority=authority,
                                       scope=DATAVERSE_SCOPE).token()  # fmt: skip


def test_for_tenant_skips_discovery_only_off_microsoft() -> None:
    assert Authority.for_tenant("contoso.com").instance_discovery is True
    local = Authority.for_tenant(TID, host="https://127.0.0.1:9443/", verify="/ca.pem")
    assert (local.url, local.instance_discovery, local.verify) == (f"https://127.0.0.1:9443/{TID}", False, "/ca.pem")


# ---- delegated (device code, refresh token, persisted cache) --------------------------------------


def test_device_code_login_prints_url_and_code_and_waits(
    entra: EntraServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _delegated(entra, tmp_path / "cache.json")
    entra.auto_approve_devices(username=USER, after_polls=1)  # the first poll: authorization_pending
    assert provider.login(timeout=30) == USER
    printed = capsys.readouterr().out
    assert "https://microsoft.com/devicelogin" in printed
    assert re.search(r"enter the code [A-Z2-9]{9} ", printed)  # the user code the person types
    code = [r for r in entra.requests if r.path.endswith("/devicecode")]
    assert len(code) == 1
    assert _token_requests(entra, "urn:ietf:params:oauth:grant-type:device_code") == 2  # pending, then tokens
    assert provider.signed_in_user() == USER


def test_prompt_receives_the_code_and_the_browser_approves(entra: EntraServer, tmp_path: Path) -> None:
    provider = _delegated(entra, tmp_path / "cache.json")
    prompts: list[DeviceCodePrompt] = []

    def approve_later(prompt: DeviceCodePrompt) -> None:
        prompts.append(prompt)
        threading.Timer(0.2, entra.approve_device, args=(prompt.user_code,), kwargs={"username": USER}).start()

    assert provider.login(prompt=approve_later, timeout=30) == USER
    assert prompts[0].user_code in prompts[0].message and prompts[0].verification_uri.startswith("https://")


def test_token_cache_file_is_owner_only(entra: EntraServer, tmp_path: Path) -> None:
    path = tmp_path / "nested" / "cache.json"
    _signed_in(entra, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "RefreshToken" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["cache.json"]  # no temporary files left behind


def test_existing_wide_file_is_tightened(entra: EntraServer, tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{}")
    path.chmod(0o644)
    _signed_in(entra, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_silent_token_comes_from_the_cache_then_from_the_refresh_token(entra: EntraServer, tmp_path: Path) -> None:
    provider = _signed_in(entra, tmp_path / "cache.json")
    entra.clear_requests()
    first = provider.token()
    assert provider.token() == first and entra.requests == []  # cached: no network at all
    provider.invalidate(first)
    second = provider.token()
    assert second != first and _token_requests(entra, "refresh_token") == 1
    assert entra.valid_token(second, audience="https://api.partner.microsoft.com")


def test_short_lifetimes_refresh_silently(entra: EntraServer, tmp_path: Path) -> None:
    entra.token_lifetime = 120  # seconds: inside MSAL's 5-minute early-expiry margin, so never reused
    provider = _signed_in(entra, tmp_path / "cache.json")
    entra.clear_requests()
    tokens = {provider.token() for _ in range(3)}
    assert len(tokens) == 3 and _token_requests(entra, "refresh_token") == 3


def test_another_process_sees_the_login(entra: EntraServer, tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    worker = _delegated(entra, path)  # e.g. the Celery worker, started before anyone signed in
    with pytest.raises(SignInRequired, match="not signed in"):
        worker.token()
    _signed_in(entra, path)  # e.g. `hunter partner-center login` in another process
    assert entra.valid_token(worker.token())
    assert worker.signed_in_user() == USER


def test_revoked_refresh_token_is_sign_in_required(entra: EntraServer, tmp_path: Path) -> None:
    provider = _signed_in(entra, tmp_path / "cache.json")
    entra.revoke_refresh_tokens()
    provider.invalidate()
    with pytest.raises(SignInRequired) as caught:
        provider.token()
    assert caught.value.code == "invalid_grant"


def test_declined_or_expired_device_login(entra: EntraServer, tmp_path: Path) -> None:
    provider = _delegated(entra, tmp_path / "cache.json")
    with pytest.raises(SignInRequired, match="authorization_declined"):
        provider.login(prompt=lambda p: entra.decline_device(p.user_code), timeout=30)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SignInRequired, match="authorization_pending"):
        provider.login(prompt=lambda p: None, cancel=cancel)  # nobody approves; the caller gives up
    assert provider.signed_in_user() is None


def test_damaged_cache_file_means_signed_out(entra: EntraServer, tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{not json")
    with pytest.raises(SignInRequired):
        _delegated(entra, path).token()


def test_logout_forgets_everything(entra: EntraServer, tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    provider = _signed_in(entra, path)
    provider.logout()
    assert not path.exists() and provider.signed_in_user() is None
    with pytest.raises(SignInRequired):
        provider.token()


def test_delegated_needs_a_client_id(entra: EntraServer, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        DelegatedTokenProvider(client_id="", authority=_authority(entra), scopes=[PARTNER_SCOPE],
                               cache_path=tmp_path / "c.json")  # fmt: skip
