"""Settings: every AGORA_* variable read once, typed, checked at start-up.

A missing or malformed setting stops start-up with a message naming the variable
(`SettingsError`), never a traceback deep inside a request.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
LANGUAGES = ("fr", "nl", "de")
DEFAULT_LANGUAGE = "fr"
TIME_ZONE = "Europe/Brussels"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    starttls: bool


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    base_url: str
    var_dir: Path
    redis_url: str | None = None
    smtp: SmtpSettings | None = None
    digest_hours: int = 24  # one email digest of unread notifications per period, when SMTP is set
    max_body_bytes: int = 2 * 1024 * 1024
    max_upload_bytes: int = 12 * 1024 * 1024  # bodies of multipart forms (documents, attachments)
    signin_attempts_per_window: int = 10
    signin_window_seconds: int = 900
    session_days: int = 14
    socket_sweep_seconds: float = 10.0  # how soon a process cuts sockets of sessions ended by another
    # Reading requests (GET, HEAD) whose unit of work runs at once in a process (docs/architecture.md,
    # "Reading units of work in a few threads"): more threads than this only fight over the GIL.
    read_threads: int = 4
    invitation_days: int = 14
    reset_hours: int = 2
    default_quorum: dict[str, Fraction] = field(
        default_factory=lambda: {"ordinary": Fraction(15, 100), "extraordinary": Fraction(20, 100)}
    )
    extraordinary_majority: Fraction = Fraction(3, 4)
    production: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int_setting(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be greater than zero, not {raw!r}")
    return value


def _database_url(env: dict[str, str], var_dir: Path) -> str:
    url = env.get("AGORA_DATABASE_URL") or f"sqlite:///{var_dir / 'agora.db'}"
    scheme = url.split(":", 1)[0]
    if scheme.startswith("postgres"):
        # One driver for PostgreSQL: psycopg 3, whatever spelling the operator used.
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    if scheme not in ("sqlite", "sqlite+pysqlite"):
        raise SettingsError(
            f"AGORA_DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme!r}"
        )
    return url


def _redis_url(env: dict[str, str]) -> str | None:
    url = env.get("AGORA_REDIS_URL") or None
    if url is not None and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(f"AGORA_REDIS_URL must be a redis:// URL, not {url!r}")
    return url


def _base_url(env: dict[str, str]) -> str:
    url = (env.get("AGORA_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"AGORA_BASE_URL must be an http(s) URL such as https://agora.example, not {url!r}")
    return url


def _secret_key(env: dict[str, str], var_dir: Path) -> str:
    key = env.get("AGORA_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingsError("AGORA_SECRET_KEY must be at least 32 characters long")
        return key
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written once, readable by the owner only; never committed (var/ is ignored).
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _smtp(env: dict[str, str]) -> SmtpSettings | None:
    host = env.get("AGORA_SMTP_HOST")
    if not host:
        return None
    sender = env.get("AGORA_SMTP_FROM")
    if not sender or "@" not in sender:
        raise SettingsError("AGORA_SMTP_FROM must be set to a sender address when AGORA_SMTP_HOST is set")
    return SmtpSettings(
        host=host,
        port=_int_setting(env, "AGORA_SMTP_PORT", 587),
        username=env.get("AGORA_SMTP_USERNAME") or None,
        password=env.get("AGORA_SMTP_PASSWORD") or None,
        sender=sender,
        starttls=env.get("AGORA_SMTP_STARTTLS", "1") not in ("0", "false", "no"),
    )


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    var_dir = Path(env.get("AGORA_VAR_DIR") or DEFAULT_VAR_DIR)
    return Settings(
        database_url=_database_url(env, var_dir),
        secret_key=_secret_key(env, var_dir),
        base_url=_base_url(env),
        var_dir=var_dir,
        redis_url=_redis_url(env),
        smtp=_smtp(env),
        digest_hours=_int_setting(env, "AGORA_DIGEST_HOURS", 24),
        max_body_bytes=_int_setting(env, "AGORA_MAX_BODY_BYTES", 2 * 1024 * 1024),
        max_upload_bytes=_int_setting(env, "AGORA_MAX_UPLOAD_BYTES", 12 * 1024 * 1024),
        read_threads=_int_setting(env, "AGORA_READ_THREADS", 4),
        production=env.get("AGORA_ENV", "development") == "production",
    )
