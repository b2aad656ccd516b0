"""E-mail over SMTP: multipart/alternative (text + HTML) with the chart inline by Content-ID.

STARTTLS (port 587) or implicit TLS (port 465), optional AUTH. The Message-ID is the digest's stored one,
so a re-delivery after a crash is recognisably the same message (mail clients thread or drop it).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal, cast

from reports.digest.channels.base import DeliveryConfigError, TransientDeliveryError
from reports.digest.chart import render_chart
from store.outbox import OutboxEntry

__all__ = ["EmailChannel", "build_message", "chart_cid"]

Security = Literal["starttls", "tls", "none"]


def chart_cid(idempotency_key: str) -> str:
    """The chart's Content-ID (without <>), stable per digest."""
    import hashlib

    return f"chart.{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}@swc-beheer"


def build_message(entry: OutboxEntry, sender: str, recipients: list[str]) -> EmailMessage:
    """The e-mail of a stored digest: text, HTML (its `cid:` image) and the PNG related to the HTML part."""
    msg = EmailMessage()
    msg["Subject"] = entry.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(entry.period_end.timestamp(), localtime=False)
    msg["Message-ID"] = entry.message_id
    msg["X-SWC-Digest-Key"] = entry.idempotency_key
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a digest
    msg.set_content(entry.body_text)
    msg.add_alternative(entry.body_html, subtype="html")
    html_part = cast(EmailMessage, msg.get_payload()[1])  # type: ignore[index]
    html_part.add_related(
        render_chart(entry.payload), "image", "png", cid=f"<{chart_cid(entry.idempotency_key)}>",
        filename="chart.png", disposition="inline",
    )  # fmt: skip
    return msg


@dataclass
class EmailChannel:
    name: str
    host: str
    port: int
    sender: str
    recipients: list[str]
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    kind: str = "email"

    def send(self, entry: OutboxEntry) -> None:
        message = build_message(entry, self.sender, self.recipients)
        where = f"SMTP {self.host}:{self.port} (channel {self.name})"
        try:
            with self._connect() as smtp:
                if self.user and self.password is not None:
                    smtp.login(self.user, self.password)
                smtp.send_message(message, from_addr=self.sender, to_addrs=self.recipients)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryConfigError(
                f"{where} refused the login ({exc.smtp_code})",
                hint="check SWC_DIGEST__SMTP_USER and SWC_DIGEST__SMTP_PASSWORD",
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryConfigError(
                f"{where} refused the recipients", hint="check the channel's recipients"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            error = TransientDeliveryError if 400 <= exc.smtp_code < 500 else DeliveryConfigError
            raise error(f"{where} answered {exc.smtp_code}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryConfigError(
                f"{where}: the server's certificate is not trusted ({exc.verify_message})",
                hint="check SWC_DIGEST__SMTP_HOST, or SWC_DIGEST__SMTP_CA_FILE for a private CA",
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, reset, disconnected
            raise TransientDeliveryError(f"{where} is unreachable: {type(exc).__name__}") from exc

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
        return smtp
