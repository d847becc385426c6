"""Models and migrations must not drift apart; the chain must have one head and apply cleanly."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from agora import migrate


def test_models_match_migrations(template_database):
    migrate.check(template_database)  # raises when autogenerate would produce operations


def test_single_linear_chain():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"


def test_upgrade_is_idempotent(database_url):
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    migrate.check(database_url)
