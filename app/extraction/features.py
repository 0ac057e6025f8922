"""The text a clause model sees for one unit: its words plus coarse position and length tags."""

from __future__ import annotations


def unit_feature_text(text: str, start: int, doc_length: int) -> str:
    """Prefix a unit with tags for where it sits in the document and how long it is."""
    decile = min(9, int(10 * start / max(doc_length, 1)))
    head = "xxhead" if start < 2500 else "xxbody"
    words = len(text.split())
    size = "xxshort" if words <= 6 else "xxmedium" if words <= 30 else "xxlong"
    return f"xxpos{decile} {head} {size} {text}"
