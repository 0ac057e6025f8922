"""The registration gate: a new adapter is used only when `lexcrew eval` on dev says it is better.

Both the new adapter and the one in use (or the base model) review the dev folder through the
whole product (`app.evaluation.runner.evaluate`), each in its own scratch data dir under the
data dir. Each crew task has its score on dev, accuracy over the questions asked (an
unanswered question counts as wrong): the extractor's values (`extractor` in metrics.json) and
the validator's yes/no (`validator`). The new adapter wins when it scores higher on every task
it was trained for (its manifest's `tasks`) and no lower on the others (within
UNTRAINED_TOLERANCE); a trained validator must also beat a coin (informedness at least
MIN_INFORMEDNESS). The clause metrics are reported beside it; they do not depend on the
model's answers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import Settings
from app.finetune.lora import GGUF_NAME, MANIFEST
from app.finetune.registry import adapter_in_use, adapter_tasks, register
from app.offline import apply_offline_environment

DECIDING = "accuracy_over_asked"
EVIDENCE = "dev_comparison.json"  # both dev runs, written beside the adapter
# Where each task's score sits in a dev_score() result.
TASK_SCORES = {"extract": "extractor", "validate": "validator"}
# How much a task the adapter did not learn may lose: 0.02 of accuracy is 4 of the ~200
# validator questions dev asks, the noise of a model that answers a few of them at random
# (the base model answered 1 of 177 in one dev run, 8 of 262 in another).
UNTRAINED_TOLERANCE = 0.02
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
        "extractor": summary["extractor"],
        "clause_f1": round(metrics.clause.f1, 4),
        "presence_f1": round(metrics.presence.f1, 4),
        "aupr": round(metrics.aupr, 4),
        "seconds_per_page": summary["seconds_per_page"],
    }


def _score(result: dict[str, Any], task: str) -> float | None:
    value = result.get(TASK_SCORES[task], {}).get(DECIDING)
    return float(value) if value is not None else None


def beats(new: dict[str, Any], current: dict[str, Any], tasks: tuple[str, ...]) -> bool:
    """True when the new adapter scores strictly higher on every task it was trained for, no
    lower on the others (within UNTRAINED_TOLERANCE), and a validator it trained says
    something: one whose yes/no is little better than a coin only adds noise, however many
    questions it answers."""
    if not tasks:
        return False
    for task in TASK_SCORES:
        mine, theirs = _score(new, task), _score(current, task)
        if task in tasks and (mine is None or (theirs is not None and mine <= theirs)):
            return False
        lost = theirs is not None and (mine is None or mine < theirs - UNTRAINED_TOLERANCE)
        if task not in tasks and lost:
            return False
    informed = new["validator"].get("informedness")
    return "validate" not in tasks or (informed is not None and informed >= MIN_INFORMEDNESS)


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
    tasks = adapter_tasks(candidate) or ()  # none known: nothing it can win on
    evidence = {"new": new, "current": old, "deciding_score": DECIDING, "trained_for": tasks}
    return beats(new, old, tasks), evidence


def register_if_better(
    settings: Settings, folder: Path, dev: Path, log: Callable[[str], None] = print
) -> bool:
    """Compare the adapter `lexcrew finetune` wrote in `folder` with the one in use on dev,
    keep the evidence beside it, and register it for the data dir if it wins."""
    version = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["version"]
    current = adapter_in_use(settings)
    wins, evidence = compare(settings, dev, folder / GGUF_NAME, current, log)
    (folder / EVIDENCE).write_text(json.dumps(evidence, indent=2), encoding="utf-8")
    log(json.dumps(evidence, indent=2))
    if not wins:
        log(f"not registered: it does not beat {current or 'the base model'} on dev")
        return False
    entry = register(settings, folder, {"version": version, "dev": evidence})
    log(f"registered {version} ({entry})")
    return True
