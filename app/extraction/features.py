"""The text a clause model sees for one unit: its words plus position, length and heading tags."""

from __future__ import annotations

import re
from collections.abc import Sequence

HEADING_MAX_WORDS = 8
_WORD = re.compile(r"[a-z]{3,}")


def unit_feature_text(text: str, start: int, doc_length: int, heading: str = "") -> str:
    """Prefix a unit with tags for where it sits, how long it is and its section heading."""
    decile = min(9, int(10 * start / max(doc_length, 1)))
    head = "xxhead" if start < 2500 else "xxbody"
    words = len(text.split())
    size = "xxshort" if words <= 6 else "xxmedium" if words <= 30 else "xxlong"
    section = " ".join(f"xxh{w}" for w in _WORD.findall(heading.lower())[:6])
    return f"xxpos{decile} {head} {size} {section} {text}"


def unit_features(
    units: Sequence[tuple[str, int]], doc_length: int, tags: bool = True
) -> list[str]:
    """Feature texts of a document's units in reading order; a short unit heads those after it.

    Without tags a unit's features are its words alone (the plain TF-IDF baseline).
    """
    if not tags:
        return [text for text, _start in units]
    heading = ""
    features = []
    for text, start in units:
        features.append(unit_feature_text(text, start, doc_length, heading))
        if len(text.split()) <= HEADING_MAX_WORDS:
            heading = text
    return features
