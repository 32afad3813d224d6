"""Faults of alert delivery with real parts: a worker process killed mid-send (the lease runs out and the
delivery is sent by the next sweep, once), the SSRF guard (private, loopback and link-local targets refused,
also after DNS resolution, unless HUNTER_ALLOW_PRIVATE_TARGETS), and e-mail over a real SMTP server with
STARTTLS (plain and HTML parts, Turkish, login after TLS only; a server without STARTTLS is refused)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alert_env import LOOPBACK, add_target, deliveries, migrate_lead
from cryptography.fernet import Fernet

from fakes.alert_receiver import AlertReceiver
from fakes.smtp_server import SmtpServer
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import utcnow
from leadhunter.integrations.alerts.guard import address_allowed
from leadhunter.integrations.alerts.senders import SendOptions
from leadhunter.jobs.alert_runtime import send_options
from leadhunter.runtime import session_factory
from leadhunter.services.alert_delivery import deliver_due
from leadhunter.services.alert_secrets import SecretBox
from leadhunter.services.alert_targets import TargetError

PUBLIC_ONLY = SendOptions(allow_private=False, timeout=5.0)
WORKER = Path(__file__).with_name("alert_worker_proc.py")


def _sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hunter.db'}"
    upgrade(url)
    return url


def test_a_worker_killed_mid_send_loses_nothing_and_the_next_sweep_sends_once(db_url: str) -> None:
    factory = session_factory(db_url)
    key = Fernet.generate_key()
    box = SecretBox(key, environ={})
    with AlertReceiver() as receiver:
        target = add_target(factory, box, name="crm", kind="webhook", kinds=["provider_changed"],
                            secrets={"url": {"value": receiver.url()}, "signing_secret": {"value": "k"}})
        migrate_lead(factory, "omicron.com.tr")
        receiver.stall = 120.0  # the first post is held: the worker dies waiting for the answer
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        worker = subprocess.Popen([sys.executable, str(WORKER), db_url, key.decode(), "3"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            receiver.wait_seen(1, timeout=60)
            [row] = deliveries(factory, target)
            assert row.state == "sending" and row.attempts == 1  # claimed, committed, in flight
            worker.kill()  # SIGKILL: no cleanup runs
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        receiver.stall = 0.0

        assert deliver_due(factory, box, LOOPBACK).messages == 0  # its lease still holds it
        [row] = deliveries(factory, target)
        lease_until = row.lease_until
        assert row.state == "sending" and lease_until is not None
        result = deliver_due(factory, box, LOOPBACK, now=lambda: lease_until + timedelta(seconds=1))
        assert (result.messages, result.sent) == (1, 1)
        assert deliver_due(factory, box, LOOPBACK, now=lambda: utcnow() + timedelta(hours=1)).messages == 0

    [row] = deliveries(factory, target)
    assert row.state == "sent" and row.attempts == 2
    assert len(receiver.seen) == 2  # the killed worker's post, and the one that was answered
    assert [post.json["changes"][0]["delivery_id"] for post in receiver.accepted] == [row.id]


@pytest.mark.parametrize(("url", "host"), [
    ("http://127.0.0.1:9/hook", "127.0.0.1"), ("http://localhost:9/hook", "localhost"), ("http://[::1]:9/hook", "::1"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"), ("https://10.1.2.3/hook", "10.1.2.3"),
    ("https://192.168.1.10/hook", "192.168.1.10"), ("https://100.64.0.1/hook", "100.64.0.1"),
    ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"), ("http://0.0.0.0:9/hook", "0.0.0.0")])
def test_private_loopback_and_link_local_targets_are_refused_when_saved(tmp_path: Path, url: str, host: str) -> None:
    factory = session_factory(_sqlite(tmp_path))
    box = SecretBox(Fernet.generate_key(), environ={})
    with pytest.raises(TargetError, match="HUNTER_ALLOW_PRIVATE_TARGETS") as caught:
        add_target(factory, box, PUBLIC_ONLY, name="x", kind="slack", secrets={"url": {"value": url}})
    assert caught.value.field == "secrets.url"
    with pytest.raises(TargetError, match="HUNTER_ALLOW_PRIVATE_TARGETS") as caught:
        add_target(factory, box, PUBLIC_ONLY, name="mail", kind="email",
                   config={"smtp_host": host, "sender": "hunter@example.com", "recipients": ["sales@example.com"]})
    assert caught.value.field == "config.smtp_host"


def test_public_addresses_pass_the_guard_and_mapped_private_ones_do_not() -> None:
    assert address_allowed("8.8.8.8", allow_private=False)
    assert address_allowed("2606:4700:4700::1111", allow_private=False)
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1",
                    "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1", "0.0.0.0"):
        assert not address_allowed(address, allow_private=False), address
        assert address_allowed(address, allow_private=True)


def test_a_name_resolving_to_loopback_is_refused_at_send_time_without_the_setting(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch
                                                                                   ) -> None:
    factory = session_factory(_sqlite(tmp_path))
    box = SecretBox(Fernet.generate_key(), environ={})
    with AlertReceiver() as receiver:
        # Saved while private targets were allowed; the guard runs again at every connection.
        target = add_target(factory, box, name="x", kind="slack",
                            secrets={"url": {"value": receiver.url().replace("127.0.0.1", "localhost")}})
        migrate_lead(factory, "pi.com.tr")
        monkeypatch.delenv("HUNTER_ALLOW_PRIVATE_TARGETS", raising=False)
        options = send_options(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
        assert options.allow_private is False
        result = deliver_due(factory, box, options)
    assert (result.sent, result.failed) == (0, 2)
    assert receiver.seen == []  # nothing reached the receiver
    rows = deliveries(factory, target)
    assert {r.state for r in rows} == {"failed"}
    assert all("localhost resolves to the non-public address" in (r.last_error or "") for r in rows)


def test_email_goes_out_over_starttls_with_plain_and_html_parts_in_turkish(tmp_path: Path) -> None:
    factory = session_factory(_sqlite(tmp_path))
    box = SecretBox(Fernet.generate_key(), environ={"HUNTER_ALERT_SMTP_PASSWORD": "pa55word"})
    with SmtpServer(users={"hunter": "pa55word"}) as smtp:
        options = SendOptions(allow_private=True, timeout=10.0, ca_file=smtp.ca_file)
        target = add_target(factory, box, options, name="Satış", kind="email", language="tr",
                            kinds=["provider_changed"],
                            config={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "sender": "hunter@example.com",
                                    "recipients": ["satis@example.com", "ops@example.com"], "username": "hunter"},
                            secrets={"password": {"env": "HUNTER_ALERT_SMTP_PASSWORD"}})
        migrate_lead(factory, "rho.com.tr")
        result = deliver_due(factory, box, options, public_url="https://hunter.example.com")
        assert result.sent == 1, result.errors
        [mail] = smtp.received
    assert mail.tls and mail.user == "hunter"
    assert mail.mail_from == "hunter@example.com"
    assert sorted(mail.rcpt_tos) == ["ops@example.com", "satis@example.com"]
    assert mail.message["Subject"] == "Hunter: 1 değişiklik"
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert plain is not None and html is not None
    assert "E-posta sağlayıcısı değişti" in plain.get_content()
    assert "Google → M365" in plain.get_content()
    content = html.get_content()
    assert '<html lang="tr">' in content and 'href="https://hunter.example.com/?lead=rho.com.tr"' in content
    assert deliveries(factory, target)[0].state == "sent"


def test_email_is_refused_where_the_server_offers_no_starttls(tmp_path: Path) -> None:
    factory = session_factory(_sqlite(tmp_path))
    box = SecretBox(Fernet.generate_key(), environ={})
    with SmtpServer(starttls=False) as smtp:
        target = add_target(factory, box, name="mail", kind="email", kinds=["dmarc_added"],
                            config={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "sender": "hunter@example.com",
                                    "recipients": ["sales@example.com"]})
        migrate_lead(factory, "sigma.com.tr")
        result = deliver_due(factory, box, LOOPBACK)
        assert smtp.received == []
    assert result.failed == 1
    [row] = deliveries(factory, target)
    assert row.state == "failed" and "does not offer STARTTLS" in (row.last_error or "")


def test_email_with_an_untrusted_certificate_is_not_sent(tmp_path: Path) -> None:
    factory = session_factory(_sqlite(tmp_path))
    box = SecretBox(Fernet.generate_key(), environ={})
    with SmtpServer() as smtp:
        target = add_target(factory, box, name="mail", kind="email", kinds=["dmarc_added"],
                            config={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "sender": "hunter@example.com",
                                    "recipients": ["sales@example.com"]})
        migrate_lead(factory, "tau.com.tr")
        result = deliver_due(factory, box, LOOPBACK)  # no ca_file: the self-signed certificate is not trusted
        assert smtp.received == []
    assert result.failed == 1
    assert "TLS failed" in (deliveries(factory, target)[0].last_error or "")
