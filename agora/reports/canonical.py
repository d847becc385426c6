"""The canonical JSON of a report and its SHA-256 (DESIGN.md "Reports to the CA"): pure, no I/O.

The hash covers the report without its `integrity`, `status` and `board_response` members (those
change after submission), serialised with sorted keys, `,` and `:` as separators, UTF-8 with
non-ASCII characters kept as they are.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

NOT_HASHED = ("integrity", "status", "board_response")


def hashed_part(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in NOT_HASHED}


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(hashed_part(document), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sha256_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()
