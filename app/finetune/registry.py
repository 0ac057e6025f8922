"""Which LoRA adapter the self-hosted model runs with, and how a new one gets there.

In order: `LEXCREW_MODEL__LORA_PATH` when set; else the adapter `lexcrew finetune --dev`
registered in the data dir (only after `lexcrew eval` on dev said it beats the one in use);
else the adapter shipped with the package. `LEXCREW_MODEL__USE_ADAPTER=false` runs the base
model.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from app.config import Settings
from app.finetune.lora import GGUF_NAME, MANIFEST

REGISTERED = "registered.json"


def packaged_adapter() -> Path | None:
    """The adapter shipped with the package, if it has one."""
    path = Path(str(resources.files("app.finetune").joinpath("data", GGUF_NAME)))
    return path if path.is_file() else None


def adapters_dir(settings: Settings) -> Path:
    return settings.data_dir / "adapters"


def registered_adapter(settings: Settings) -> Path | None:
    """The adapter registered in this data dir, if any and still on disk."""
    entry = adapters_dir(settings) / REGISTERED
    if not entry.is_file():
        return None
    path = Path(json.loads(entry.read_text(encoding="utf-8"))["gguf"])
    return path if path.is_file() else None


def adapter_in_use(settings: Settings) -> Path | None:
    """The GGUF LoRA the in-process model loads (None: the base model)."""
    if not settings.model.use_adapter:
        return None
    return settings.model.lora_path or registered_adapter(settings) or packaged_adapter()


def adapter_tasks(gguf: Path | None) -> tuple[str, ...] | None:
    """The crew tasks an adapter was trained for, from the `lexcrew finetune` manifest beside
    it; the self-hosted model runs the others on the base weights. None: no manifest says
    (an adapter from elsewhere), so it serves every task."""
    manifest = gguf.parent / MANIFEST if gguf is not None else None
    if manifest is None or not manifest.is_file():
        return None
    tasks = json.loads(manifest.read_text(encoding="utf-8")).get("tasks")
    return tuple(tasks) if tasks is not None else None


def register(settings: Settings, folder: Path, evidence: dict[str, Any]) -> Path:
    """Make the adapter in `folder` the one in use for this data dir; keep why."""
    target = adapters_dir(settings) / REGISTERED
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    body = {"gguf": str(folder / GGUF_NAME), "folder": str(folder), **evidence}
    partial.write_text(json.dumps(body, indent=2), encoding="utf-8")
    partial.replace(target)
    return target
