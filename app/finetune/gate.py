"""The registration gate: a new adapter is used only when `lexcrew eval` on dev says it is better.

Both the new adapter and the one in use (or the base model) review the dev folder through the
whole product (`app.evaluation.runner.evaluate`), each in its own scratch data dir under the
data dir. The score that decides is the validator's accuracy over the questions asked (an
unanswered question counts as wrong): the one task the adapter is trained for today; and the
new adapter's answers must beat a coin (informedness at least MIN_INFORMEDNESS). The clause
metrics are reported beside it; they do not depend on the model's answers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import Settings
from app.offline import apply_offline_environment

DECIDING = "accuracy_over_asked"
# A validator's yes/no must say something: informedness (yes on right findings + no on wrong
# ones - 1) of at least 0.1. The first two adapters trained here reached 0.063 and 0.004 on
# dev while answering far more questions than the base model: more answers, no information.
MIN_INFORMEDNESS = 0.1


def dev_score(settings: Settings, dev: Path, lora: Path | None, scratch: Path) -> dict[str, Any]:
    """Evaluate dev with this adapter (None: the base model) in a scratch data dir."""
    from app.bootstrap import build_service
    from app.evaluation.runner import evaluate
    from app.gateway.model_files import ensure_gguf

    shutil.rmtree(scratch, ignore_errors=True)
    model = settings.model.model_copy(
        update={
            "gguf_path": ensure_gguf(settings),  # the one model file, not a copy per trial
            "lora_path": lora,
            "use_adapter": lora is not None,
        }
    )
    trial = settings.model_copy(update={"data_dir": scratch, "model": model})
    trial.ensure_dirs()
    service, store = build_service(trial)
    try:
        run = evaluate(dev, service, service.parts.clause_model.categories, scratch / "eval")
    finally:
        service.close()
        store.close()
        # Starting the trial's service pointed the process's offline environment (CrewAI's
        # storage, TMPDIR, caches) at the scratch dir, which is about to go: point it back.
        apply_offline_environment(settings)
    summary = run.to_dict()
    metrics = run.metrics
    return {
        "adapter": str(lora) if lora else "base model",
        "validator": summary["validator"],
        "clause_f1": round(metrics.clause.f1, 4),
        "presence_f1": round(metrics.presence.f1, 4),
        "aupr": round(metrics.aupr, 4),
        "seconds_per_page": summary["seconds_per_page"],
    }


def beats(new: dict[str, Any], current: dict[str, Any]) -> bool:
    """True when the new adapter's deciding score is strictly higher and its answers say
    something: a validator whose yes/no is little better than a coin only adds noise,
    however many questions it answers."""
    mine, theirs = new["validator"].get(DECIDING), current["validator"].get(DECIDING)
    informed = new["validator"].get("informedness")
    better = mine is not None and (theirs is None or mine > theirs)
    return better and informed is not None and informed >= MIN_INFORMEDNESS


def compare(
    settings: Settings,
    dev: Path,
    candidate: Path | None,
    current: Path | None,
    log: Callable[[str], None] = print,
) -> tuple[bool, dict[str, Any]]:
    """Score the candidate and the adapter in use on dev; say whether the candidate wins."""
    scratch = settings.data_dir / "finetune-eval"
    log(f"evaluating {dev} with the new adapter")
    new = dev_score(settings, dev, candidate, scratch / "new")
    log(f"evaluating {dev} with {current or 'the base model'}")
    old = dev_score(settings, dev, current, scratch / "current")
    shutil.rmtree(scratch, ignore_errors=True)
    return beats(new, old), {"new": new, "current": old, "deciding_score": DECIDING}
