"""Templates' `_`, `ngettext` and `pgettext` (agora.i18n.template_gettext) give exactly what Jinja's
newstyle i18n extension gives: the translation as markup, the variables escaped into it, `%%` a percent."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from agora import i18n
from agora.web import templating

CASES = [
    '{{ _("Skip to content") }}',
    '{{ _("Started by %(name)s", name=who) }}',
    '{{ gettext("Started by %(name)s", name=who) }}',
    '{{ ngettext("%(num)s proposal found", "%(num)s proposals found", 1) }}',
    '{{ ngettext("%(num)s proposal found", "%(num)s proposals found", 2) }}',
    '{{ _("Quorum for an ordinary decision (e.g. 0.15 for 15 %%)") }}',
    '{{ _("A message no catalogue knows, with %%") }}',
    '{{ _("Started by %(name)s", name=who) ~ "<b>" }}',
    '{{ _("Said %(message)s", message=who) }}',  # variables named like the callables' own arguments
    '{{ ngettext("%(num)s of %(plural)s", "%(num)s of %(plural)s", 2, plural=who, singular=who) }}',
    '{{ ngettext("%(num)s item", "%(num)s items", 2, num=who) }}',
    '{{ pgettext("menu", "Open %(context)s", context=who) }}',
]


def _stock() -> Environment:
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=i18n.pgettext)
    return env


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
@pytest.mark.parametrize("source", CASES)
def test_the_same_output_as_the_extension(language, source):
    ours = templating.environment()
    assert ours.globals["_"] is not _stock().globals["_"]  # ours are installed
    i18n.set_language(language)
    try:
        for _ in range(2):  # the second time from the memo
            expected = _stock().from_string(source).render(who="<i>Anne & Luc</i>")
            assert ours.from_string(source).render(who="<i>Anne & Luc</i>") == expected
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_a_missing_variable_fails_as_with_the_extension():
    with pytest.raises(KeyError):
        _stock().from_string('{{ _("Started by %(name)s") }}').render()
    with pytest.raises(KeyError):
        templating.environment().from_string('{{ _("Started by %(name)s") }}').render()
