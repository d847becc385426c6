"""Settings: read once from the environment; a bad one stops start-up with a message naming it."""

from __future__ import annotations

import pytest

from agora.cli import main
from agora.settings import SettingsError, load_settings


def _env(tmp_path, **extra):
    return {"AGORA_VAR_DIR": str(tmp_path), **extra}


def test_defaults_are_an_embedded_sqlite_file_and_a_generated_secret(tmp_path):
    settings = load_settings(_env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'agora.db'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert load_settings(_env(tmp_path)).secret_key == settings.secret_key  # generated once, then reused
    assert settings.redis_url is None and settings.smtp is None and not settings.secure_cookies
    assert settings.read_threads == 4


def test_the_read_threads_are_read_from_the_environment(tmp_path):
    assert load_settings(_env(tmp_path, AGORA_READ_THREADS="12")).read_threads == 12


def test_postgres_urls_use_psycopg(tmp_path):
    settings = load_settings(_env(tmp_path, AGORA_DATABASE_URL="postgresql://u@h/db"))
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("name", "value", "named"), [
    ("AGORA_DATABASE_URL", "mysql://x/y", "AGORA_DATABASE_URL"),
    ("AGORA_REDIS_URL", "http://cache", "AGORA_REDIS_URL"),
    ("AGORA_BASE_URL", "agora.example", "AGORA_BASE_URL"),
    ("AGORA_SECRET_KEY", "short", "AGORA_SECRET_KEY"),
    ("AGORA_MAX_BODY_BYTES", "lots", "AGORA_MAX_BODY_BYTES"),
    ("AGORA_READ_THREADS", "0", "AGORA_READ_THREADS"),
    ("AGORA_SMTP_HOST", "smtp.example", "AGORA_SMTP_FROM"),
])
def test_malformed_settings_are_named(tmp_path, name, value, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(_env(tmp_path, **{name: value}))


def test_the_command_line_stops_with_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AGORA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("AGORA_DATABASE_URL", "oracle://nope")
    assert main(["db", "upgrade"]) == 2
    assert "AGORA_DATABASE_URL" in capsys.readouterr().err


def test_https_base_url_turns_on_secure_cookies(tmp_path):
    assert load_settings(_env(tmp_path, AGORA_BASE_URL="https://agora.example/")).secure_cookies
