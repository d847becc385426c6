"""Outgoing email, only when SMTP is configured. Sending never blocks or breaks the act that caused it."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from agora.settings import Settings

log = logging.getLogger("agora.mail")


def send(settings: Settings, to: str, subject: str, body: str) -> bool:
    if settings.smtp is None:
        return False
    smtp = settings.smtp
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to a recipient")
        return False
    return True
