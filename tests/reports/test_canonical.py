"""The canonical JSON and hash of a report, against a plain reference written here (DESIGN.md)."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from agora.reports.canonical import canonical, sha256_of

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXT |
                      st.floats(allow_nan=False, allow_infinity=False),
                      lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
                      max_leaves=20)


def reference(report: dict) -> bytes:
    kept = {k: v for k, v in report.items() if k not in {"integrity", "status", "board_response"}}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@given(st.dictionaries(TEXT, VALUES, max_size=6), VALUES, VALUES)
def test_the_hash_leaves_out_integrity_status_and_board_response(body, status, response):
    report = {**body, "status": status, "board_response": response, "integrity": {"sha256": "x"}}
    assert canonical(report) == reference(report)
    assert sha256_of(report) == hashlib.sha256(reference(report)).hexdigest()
    assert sha256_of(report) == sha256_of({**body, "status": "answered"})


def test_non_ascii_is_kept_and_keys_are_sorted():
    assert canonical({"z": "Genossenschafter·é", "a": [1, 2.5]}) == '{"a":[1,2.5],"z":"Genossenschafter·é"}'.encode()
