"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the alert e-mail tests: STARTTLS with a self-signed
certificate made for the test, optional AUTH (only after STARTTLS), every message kept with whether it came
over TLS and who signed in.

``starttls=False`` serves plain SMTP without STARTTLS (to check that Hunter refuses to send there).
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fakes.loopback_http import write_self_signed_cert


@dataclass(frozen=True)
class Received:
    """One message: envelope sender and recipients, the parsed message, TLS in use, the signed-in user."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    user: str | None


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd hook name)
        message = cast(EmailMessage, email.message_from_bytes(envelope.content, policy=email.policy.default))
        user = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,
                                      session.ssl is not None, user))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """``with SmtpServer(users={"hunter": "pw"}) as smtp:`` → ``smtp.port``, ``smtp.ca_file``, ``smtp.received``."""

    def __init__(self, *, users: dict[str, str] | None = None, starttls: bool = True) -> None:
        self.users = users or {}
        self.starttls = starttls
        self._handler = _Handler()
        self._tmpdir = tempfile.mkdtemp(prefix="hunter-smtp-")
        self.ca_file, key_file = write_self_signed_cert(self._tmpdir)
        self.port = 0
        self._controller: Controller | None = None
        self._cert = (self.ca_file, key_file)

    @property
    def received(self) -> list[Received]:
        return list(self._handler.received)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> Self:
        context: ssl.SSLContext | None = None
        if self.starttls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._cert)
        self.port = _free_port()
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port}
        if context is not None:
            kwargs.update(tls_context=context, require_starttls=True)
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=True)
        self._controller = Controller(self._handler, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._controller is not None:
            self._controller.stop()
        shutil.rmtree(self._tmpdir, ignore_errors=True)
