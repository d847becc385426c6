"""Counts the figures of the README's "Reliability and security" section from the code as it is now.

    .venv/bin/python scripts/security_figures.py

What only a run can tell is printed by the tests themselves: fuzz cases (`pytest tests/security/
test_fuzz_api.py -s`), kills survived (`AGORA_CRASH_KILLS=20 pytest tests/reliability/test_crash.py`),
pages read in Chromium and the soak's requests (`make soak`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("AGORA_SECRET_KEY", "figures-" + "x" * 40)


def main() -> None:
    from agora.api.openapi import document
    from tests.security.access_rules import COVERED_ELSEWHERE, RULES
    from tests.security.routing import endpoints
    from tests.security.test_bad_input import BAD_BODIES
    from tests.security.test_bad_input import EXAMPLES as FORM_EXAMPLES
    from tests.security.test_fuzz_api import EXAMPLES
    from tests.security.test_rooms import NEVER_JOINABLE, ROOM_RULES
    from tests.security.world import ROLES
    from tests.xss_corpus import PAYLOADS

    every = endpoints()
    in_matrix = [e for e in every if e.key in RULES]
    unsafe = [e for e in in_matrix if e.changes_state]
    gets = [e for e in in_matrix if e.method == "GET" and not e.path.startswith("/static")]
    operations = sum(len(methods) for methods in document("http://testserver")["paths"].values())
    room_cases = sum(len(cases) for cases in ROOM_RULES.values())
    print(f"XSS payloads (tests/xss_corpus.py): {len(PAYLOADS)}")
    print(f"routes (method + path) in the routing table: {len(every)}")
    print(f"authorisation matrix: {len(in_matrix)} routes x {len(ROLES)} roles = {len(in_matrix) * len(ROLES)} "
          f"checks; {len(COVERED_ELSEWHERE)} routes with their own matrix elsewhere, checked against strangers")
    print(f"CSRF: {len(unsafe)} state-changing routes x 4 forgeries = {len(unsafe) * 4}; "
          f"no GET changes state: {len(gets)} GET routes x 3 roles = {len(gets) * 3} "
          f"(x {len(ROLES)} = {len(gets) * len(ROLES)} under make soak)")
    print(f"socket rooms: {len(ROOM_RULES)} kinds, {room_cases} rooms x {len(ROLES)} roles = "
          f"{room_cases * len(ROLES)} joins, plus {len(NEVER_JOINABLE)} never-joinable rooms per role")
    print(f"API fuzzing: {operations} operations x up to {EXAMPLES} examples = at most {operations * EXAMPLES} "
          "cases (AGORA_FUZZ_EXAMPLES; the run prints how many)")
    pages = [e for e in unsafe if not e.is_api]
    print(f"generated forms: up to {FORM_EXAMPLES} on each of {len(pages)} state-changing pages "
          f"(AGORA_FUZZ_EXAMPLES)")
    print(f"bad bodies: {len(BAD_BODIES)} kinds; every state-changing route gets 2 of them in turn "
          f"({len(unsafe)} routes), all {len(BAD_BODIES)} under make soak, plus a 1.5 MB line and an "
          "oversized body")


if __name__ == "__main__":
    main()
