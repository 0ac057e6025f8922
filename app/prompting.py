"""Render the prompt templates of prompts/ (the only place prompts are rendered)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template


@dataclass(frozen=True)
class RenderedPrompt:
    """A prompt with the name and content hash of the template it came from."""

    name: str
    version: str
    text: str


@cache
def _template(name: str) -> tuple[str, str]:
    source = resources.files("prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    return source, hashlib.sha256(source.encode()).hexdigest()[:12]


def prompt_version(name: str) -> str:
    """Return the content hash of a template: any edit makes a new version."""
    return _template(name)[1]


def render(name: str, **values: str) -> RenderedPrompt:
    """Fill a template's $slots; a missing slot is an error, never an empty string."""
    source, version = _template(name)
    return RenderedPrompt(name=name, version=version, text=Template(source).substitute(values))


def untrusted(text: str) -> str:
    """Wrap contract text in the delimited slot that every system prompt calls untrusted data."""
    cleaned = text.replace("<contract_text>", "").replace("</contract_text>", "")
    return f"<contract_text>\n{cleaned}\n</contract_text>"
