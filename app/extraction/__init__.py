"""Finding candidate clauses: the clause model trained on CUAD train, and its categories."""

from importlib import resources
from pathlib import Path


def shipped_folder() -> Path:
    """Where the package's trained models are (the clause, phrase and encoder files)."""
    return Path(str(resources.files("app.extraction").joinpath("data")))
