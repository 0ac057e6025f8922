"""Finding candidate clauses: the clause model trained on CUAD train, and its categories."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.errors import ConfigurationError


def shipped_folder() -> Path:
    """Where the package's trained models are (the clause, phrase and encoder files)."""
    return Path(str(resources.files("app.extraction").joinpath("data")))


def write_model_files(
    folder: Path, basename: str, arrays: dict[str, npt.NDArray[Any]], payload: dict[str, Any]
) -> None:
    """Save a model as `basename.npz` (its arrays; no pickle) and `basename.json` (the rest)."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / f"{basename}.npz", **arrays)  # type: ignore[arg-type]
    (folder / f"{basename}.json").write_text(json.dumps(payload), encoding="utf-8")


def read_model_files(
    folder: Path | None, basename: str, what: str
) -> tuple[Path, dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """The folder, arrays and JSON payload of a model saved by `write_model_files`, from
    `folder` or by default the package's; a ConfigurationError naming `what` when missing."""
    base = folder or shipped_folder()
    try:
        arrays = dict(np.load(base / f"{basename}.npz"))
        payload = json.loads((base / f"{basename}.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{what} not found in {base}; run `lexcrew train-models`") from exc
    return base, arrays, payload
