"""Outgoing email, only when SMTP is configured. Sending never blocks or breaks the act that caused it."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType

from agora.settings import Settings, SmtpSettings

log = logging.getLogger("agora.mail")
TIMEOUT_SECONDS = 10


class MailUnavailable(Exception):
    """The SMTP server cannot be reached or refuses us as a whole: try again later."""


def compose(smtp: SmtpSettings, to: str, subject: str, body: str,
            headers: dict[str, str] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
    try:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
    except BaseException:
        client.close()
        raise
    return client


def send(settings: Settings, to: str, subject: str, body: str) -> bool:
    if settings.smtp is None:
        return False
    try:
        with _connect(settings.smtp) as client:
            client.send_message(compose(settings.smtp, to, subject, body))
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to a recipient")
        return False
    return True


class Connection:
    """One SMTP session for many messages (the email digest), opened at the first message.

    `send` answers False when the server refuses this one message (its recipient, its content), and
    raises `MailUnavailable` when the server cannot be reached, even after reconnecting once."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()

    def send(self, to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
        message = compose(self.smtp, to, subject, body, headers)
        for attempt in (1, 2):
            try:
                if self._client is None:
                    self._client = _connect(self.smtp)
                self._client.send_message(message)
                return True
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                log.warning("the mail server refused a message to one recipient", exc_info=True)
                return False
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                if attempt == 2:
                    raise MailUnavailable(str(error) or type(error).__name__) from error
        raise AssertionError("unreachable")
