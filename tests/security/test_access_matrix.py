"""The authorisation matrix, generated from the routing table: every route × every role of world.ROLES,
against objects owned by someone else. A route without a rule in access_rules.py fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.security.access_rules import COVERED_ELSEWHERE, RULES, Rule
from tests.security.matrix import call, verdict
from tests.security.routing import Endpoint, endpoints
from tests.security.world import ROLES, World, build

ALL = endpoints()


def test_every_route_has_an_access_rule():
    missing = [e for e in ALL if e.key not in RULES and e.key not in COVERED_ELSEWHERE]
    assert not missing, (
        "These routes have no access rule. Add one line per route to RULES in tests/security/access_rules.py, "
        "naming the roles that may call it, e.g.\n"
        + "\n".join(f'    "{e.key}": Rule(SIGNED_IN),  # {e.module}' for e in missing)
    )


def test_every_rule_names_a_route_that_exists():
    keys = {e.key for e in ALL}
    stale = sorted((set(RULES) | set(COVERED_ELSEWHERE)) - keys)
    assert not stale, f"rules for routes that no longer exist (remove them from access_rules.py): {stale}"


def test_routes_covered_elsewhere_name_their_tests_and_refuse_strangers(client, world):
    root = Path(__file__).resolve().parents[2]
    assert all((root / test_file).is_file() for test_file in COVERED_ELSEWHERE.values())
    problems = []
    for endpoint in [e for e in ALL if e.key in COVERED_ELSEWHERE]:
        path = re.sub(r"\{(\w+)\}", lambda m: "x" if m.group(1) == "action" else "0" * 32, endpoint.path)
        for role in ("anonymous", "member") if "{" in endpoint.path else ("anonymous",):
            response = call(client, world, Endpoint(endpoint.method, path, endpoint.module), role, Rule(frozenset()))
            if verdict(response) != "denied":
                problems.append(f"{endpoint.key} as {role} on a missing object: {response.status_code}")
    assert not problems, "\n".join(problems)


def _mismatches(client, world: World, endpoint: Endpoint, rule: Rule) -> list[str]:
    found = []
    for role in ROLES:
        response = call(client, world, endpoint, role, rule)
        got = verdict(response)
        expected = "allowed" if role in rule.allowed else "denied"
        if got != expected:
            found.append(f"{endpoint.key} as {role}: {got} ({response.status_code}), expected {expected}")
    return found


def test_matrix_on_one_world(database, client, world):
    """Every route whose call leaves the world usable for the next, on one world (fast)."""
    shared = [e for e in ALL if e.key in RULES and not RULES[e.key].fresh]
    problems = [p for e in shared for p in _mismatches(client, world, e, RULES[e.key])]
    assert not problems, "\n".join(problems)
    assert len(shared) * len(ROLES) >= 100 * len(ROLES)  # the matrix really ran over the routing table


@pytest.mark.parametrize("key", sorted(k for k, rule in RULES.items() if rule.fresh))
def test_matrix_of_a_route_that_changes_its_world(database, client, key):
    endpoint = next((e for e in ALL if e.key == key), None)
    assert endpoint is not None, f"{key}: no such route"
    world = build(database, client)
    problems = _mismatches(client, world, endpoint, RULES[key])
    assert not problems, "\n".join(problems)
