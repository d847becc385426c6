"""Differences between two versions of a text, word by word, as segments the template escapes."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    op: Literal["same", "added", "removed"]
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """Segments of `after` compared with `before`: unchanged, added and removed runs of words.

    Whitespace (line breaks included) is kept, so the template can show the text with `white-space: pre-wrap`.
    """
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[a0:a1])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[a0:a1])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[b0:b1])))
    return _merged(segments)


def _merged(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].op == segment.op:
            merged[-1] = Segment(segment.op, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def changed(segments: list[Segment]) -> bool:
    return any(segment.op != "same" for segment in segments)
