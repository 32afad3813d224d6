"""Sending one alert message: an HTTP POST of JSON (Teams, Slack, the signed webhook) or an e-mail over SMTP
with STARTTLS. Both connect only through the SSRF guard (:mod:`leadhunter.integrations.alerts.guard`).

Errors never repeat the target's URL path or query (Teams and Slack webhook URLs are their own secret): an
HTTP failure says the host and the status. A 2xx is success; 408, 425, 429 and 5xx are retryable, other 4xx
are not (the URL or the secret is wrong: retrying cannot help). Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

import httpcore

from leadhunter.integrations.alerts.errors import AlertSendError
from leadhunter.integrations.alerts.guard import GuardedBackend, check_host, connect_checked, ssl_context

SIGNATURE_HEADER = "X-Hunter-Signature"
TIMESTAMP_HEADER = "X-Hunter-Timestamp"
DELIVERY_HEADER = "X-Hunter-Delivery"
_RETRYABLE = frozenset({408, 425, 429})
USER_AGENT = "Hunter-Alerts/1"


@dataclass(frozen=True)
class SendOptions:
    """How senders connect: ``allow_private`` (``HUNTER_ALLOW_PRIVATE_TARGETS``), ``timeout`` per connect /
    read (seconds, default 15) and ``ca_file`` (extra trusted CA bundle, e.g. a company mail server's)."""

    allow_private: bool = False
    timeout: float = 15.0
    ca_file: str | None = None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The webhook signature: ``sha256=`` + hex HMAC-SHA256 over ``"<timestamp>." + body`` keyed with ``secret``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_url(url: str, options: SendOptions) -> None:
    """Refuse a URL that is not http(s) with a host, or whose host is not public (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertSendError("the URL must start with https:// (or http://) and name a host", retryable=False)
    if parts.username or parts.password:
        raise AlertSendError("the URL must not carry a user name or password", retryable=False)
    check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
               allow_private=options.allow_private)


def post_json(url: str, payload: dict[str, Any], options: SendOptions, *, headers: dict[str, str] | None = None,
              signing_secret: str | None = None, timestamp: int | None = None) -> int:
    """POST ``payload`` as JSON; with ``signing_secret`` add the signature and timestamp headers. Returns the
    status (2xx) or raises :class:`AlertSendError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertSendError("the URL must start with https:// (or http://) and name a host", retryable=False)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    sent: dict[str | bytes, str | bytes] = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    sent.update(headers or {})
    if signing_secret is not None and timestamp is not None:
        sent[TIMESTAMP_HEADER] = str(timestamp)
        sent[SIGNATURE_HEADER] = sign(signing_secret, timestamp, body)
    timeouts = {"connect": options.timeout, "read": options.timeout, "write": options.timeout,
                "pool": options.timeout}
    with httpcore.ConnectionPool(ssl_context=ssl_context(options.ca_file), max_connections=1,
                                 network_backend=GuardedBackend(allow_private=options.allow_private)) as pool:
        try:
            response = pool.request("POST", url, headers=sent, content=body, extensions={"timeout": timeouts})
        except httpcore.TimeoutException:
            raise AlertSendError(f"{parts.hostname}: timed out after {options.timeout:g} s", retryable=True) from None
        except httpcore.ConnectError as exc:
            raise AlertSendError(f"{parts.hostname}: cannot connect ({_reason(exc)})", retryable=True) from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise AlertSendError(f"{parts.hostname}: {type(exc).__name__} ({_reason(exc)})", retryable=True) from None
        except (httpcore.UnsupportedProtocol, ValueError) as exc:  # a URL httpcore cannot use: fix the target
            raise AlertSendError(f"{parts.hostname}: {type(exc).__name__} ({_reason(exc)})", retryable=False) from None
    status = response.status
    if 200 <= status < 300:
        return status
    snippet = response.content[:200].decode("utf-8", "replace").strip()
    retryable = status in _RETRYABLE or status >= 500
    raise AlertSendError(f"{parts.hostname} answered HTTP {status}" + (f": {snippet}" if snippet else ""),
                         retryable=retryable)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]


@dataclass(frozen=True)
class Mail:
    """One e-mail: ``sender`` (From), ``recipients`` (To), subject, plain text and HTML parts."""

    sender: str
    recipients: list[str]
    subject: str
    text: str
    html: str


class _GuardedSMTP(smtplib.SMTP):
    """smtplib's client connecting through the SSRF guard; STARTTLS checks the certificate against the host
    name given."""

    def __init__(self, *, allow_private: bool, timeout: float) -> None:
        self._allow_private = allow_private
        super().__init__(timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        self._host = host  # smtplib sets it only in __init__; STARTTLS checks the certificate against it
        return connect_checked(host, port, timeout, allow_private=self._allow_private)


def send_mail(host: str, port: int, mail: Mail, options: SendOptions, *, username: str | None = None,
              password: str | None = None) -> None:
    """Send ``mail`` through ``host:port`` after STARTTLS (required: a server that does not offer it is refused,
    so a password never travels in clear text), logging in when ``username`` is given."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    client = _GuardedSMTP(allow_private=options.allow_private, timeout=options.timeout)
    try:
        client.connect(host, port)
        client.ehlo()
        if not client.has_extn("starttls"):
            raise AlertSendError(f"{host}:{port} does not offer STARTTLS; Hunter sends mail only encrypted",
                                 retryable=False)
        client.starttls(context=ssl_context(options.ca_file))
        client.ehlo()
        if username:
            client.login(username, password or "")
        refused = client.send_message(message)
        if refused:
            raise AlertSendError(f"{host} refused recipients: {', '.join(sorted(refused))}", retryable=False)
    except smtplib.SMTPAuthenticationError as exc:
        raise AlertSendError(f"{host}: sign-in refused ({exc.smtp_code})", retryable=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise AlertSendError(f"{host} refused recipients: {', '.join(sorted(exc.recipients))}",
                             retryable=False) from None
    except smtplib.SMTPResponseException as exc:
        raise AlertSendError(f"{host}: SMTP {exc.smtp_code}", retryable=exc.smtp_code >= 400 and exc.smtp_code < 500
                             ) from None
    except ssl.SSLError as exc:
        raise AlertSendError(f"{host}: TLS failed ({exc.reason or exc})", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise AlertSendError(f"{host}:{port}: {type(exc).__name__} ({_reason(exc)})", retryable=True) from None
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
