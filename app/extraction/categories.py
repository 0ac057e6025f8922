"""The review taxonomy: by default the 41 CUAD categories, shipped with the package."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Category:
    """One clause category of the playbook."""

    name: str
    description: str
    answer_format: str
    group: str


def _field(value: str, prefix: str) -> str:
    value = value.strip()
    return value[len(prefix) :].strip() if value.startswith(prefix) else value


@cache
def cuad_categories() -> tuple[Category, ...]:
    """Return the 41 CUAD categories in their published order."""
    source = resources.files("app.extraction").joinpath("data/category_descriptions.csv")
    with source.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return tuple(
        Category(
            name=_field(row[0], "Category:"),
            description=_field(row[1], "Description:"),
            answer_format=_field(row[2], "Answer Format:"),
            group=_field(row[3], "Group:"),
        )
        for row in rows[1:]
        if row
    )


def category_names() -> tuple[str, ...]:
    """Return the category names exactly as CUAD spells them."""
    return tuple(c.name for c in cuad_categories())
