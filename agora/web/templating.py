"""The Jinja2 environment: autoescape on, the i18n extension, Babel filters, htmx blocks."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from agora import i18n
from agora.i18n import formatting, template_gettext
from agora.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    template_gettext.install(env.globals)  # the same, in one call instead of three
    env.filters.update(
        datetime=formatting.format_datetime,
        date=formatting.format_date,
        number=formatting.format_number,
        percent=formatting.format_percent,
    )
    env.globals.update(LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, current_language=i18n.current_language)
    return env


def render(name: str, context: dict[str, Any], block: str | None = None) -> str:
    """The whole page, or only one of its blocks (what htmx asks for)."""
    template = environment().get_template(name)
    if block is None:
        return template.render(context)
    ctx = template.new_context(context)
    return "".join(template.blocks[block](ctx))
