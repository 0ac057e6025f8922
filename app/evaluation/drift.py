"""Drift: replay a fixed labelled sample, compare its headline metrics with the stored baseline,
and raise an alert (log event, `lexcrew_drift_alert`, a banner in the UI) on a drop of more
than `max_drop` (default 5%) in any of them.

The replay asks the models again (the gateway cache is bypassed) so that a changed model,
adapter or prompt shows. The first replay of a sample, or one run with `rebaseline`, becomes
the baseline that later replays are compared with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.errors import ConfigurationError
from app.evaluation.metrics import EvalMetrics
from app.evaluation.runner import EvalRun, evaluate, labelled_pdfs, model_versions
from app.review.service import Requester, ReviewService
from app.storage.db import SessionFactory, transaction
from app.storage.models import DriftRun
from app.workspaces.service import Workspaces

log = logging.getLogger("lexcrew.drift")

HEADLINE = ("clause_f1", "presence_f1", "aupr", "precision_at_80_recall")
# The checkout's three labelled CUAD contracts (CC BY 4.0): the default sample.
DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "samples"


def headline(metrics: EvalMetrics) -> dict[str, float]:
    """The metrics drift watches."""
    return {
        "clause_f1": round(metrics.clause.f1, 4),
        "presence_f1": round(metrics.presence.f1, 4),
        "aupr": round(metrics.aupr, 4),
        "precision_at_80_recall": round(metrics.precision_at_80_recall, 4),
    }


def drops(baseline: dict[str, float], now: dict[str, float]) -> dict[str, float]:
    """Relative drop of each metric (positive: worse; 0 when the baseline was 0 and still is)."""
    found = {}
    for name in HEADLINE:
        before, after = baseline.get(name, 0.0), now.get(name, 0.0)
        if before > 0:
            found[name] = round((before - after) / before, 4)
        else:
            found[name] = 0.0 if after >= before else 1.0
    return found


def sample_id(folder: Path) -> str:
    """Names and bytes of the sample's PDFs and labels: a changed sample gets a new baseline."""
    digest = hashlib.sha256()
    for item in labelled_pdfs(folder):
        for path in (item.pdf, item.pdf.with_suffix(".json")):
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{folder.name}:{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class DriftResult:
    """One drift run as stored."""

    id: str
    kind: str  # baseline | replay
    sample: str
    metrics: dict[str, float]
    baseline: dict[str, float] | None
    drops: dict[str, float]
    alert: bool
    models: list[dict[str, str | None]] = field(default_factory=list)
    baseline_models: list[dict[str, str | None]] | None = None

    @property
    def models_changed(self) -> bool | None:
        """Whether the trained models differ from the baseline's: a drop that comes with new
        models is most likely theirs. None when either run did not record its models."""
        if not self.models or not self.baseline_models:
            return None
        return self.models != self.baseline_models

    @property
    def model_change(self) -> str:
        """What changed in the trained models since the baseline, in words (`model_change`)."""
        return model_change(self.baseline_models or [], self.models)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "sample": self.sample,
            "metrics": self.metrics,
            "baseline": self.baseline,
            "drops": self.drops,
            "alert": self.alert,
            "models": self.models,
            "baseline_models": self.baseline_models,
            "models_changed": self.models_changed,
        }


def model_change(before: list[dict[str, str | None]], after: list[dict[str, str | None]]) -> str:
    """What changed between two runs' model versions, in words ("" when nothing did or either
    run does not say): "clause_model 08937d118612 -> 1a2b3c4d5e6f"."""
    if not before or not after or before == after:
        return ""
    if len(before) != 1 or len(after) != 1:
        return "the models changed during a run"
    old, new = before[0], after[0]
    return ", ".join(f"{k} {old.get(k)} -> {new.get(k)}" for k in new if old.get(k) != new.get(k))


@dataclass(frozen=True)
class DriftAlert:
    """A replay that fell too far, and what changed in the trained models since its baseline
    ("" when nothing did, or either run does not say)."""

    run: DriftRun
    model_change: str


class DriftMonitor:
    """Stores baselines and replays, and says when a replay fell too far."""

    def __init__(self, sessions: SessionFactory, max_drop: float = 0.05) -> None:
        self.sessions = sessions
        self.max_drop = max_drop

    def baseline(self, sample: str) -> DriftRun | None:
        """The sample's latest baseline."""
        with self.sessions() as session:
            return session.scalars(
                select(DriftRun)
                .where(DriftRun.kind == "baseline", DriftRun.sample == sample)
                .order_by(DriftRun.created_at.desc())
            ).first()

    def latest_alert(self) -> DriftAlert | None:
        """The latest replay of any sample, if it raised an alert, with what changed in the
        trained models since its baseline: one query (every signed-in page asks)."""
        base = aliased(DriftRun)
        with self.sessions() as session:
            row = session.execute(
                select(DriftRun, base.models)
                .outerjoin(base, base.id == DriftRun.baseline_id)
                .where(DriftRun.kind == "replay")
                .order_by(DriftRun.created_at.desc())
                .limit(1)
            ).first()
        if row is None or not row[0].alert:
            return None
        run, base_models = row
        before = json.loads(base_models) if base_models else []
        return DriftAlert(run, model_change(before, json.loads(run.models)))

    def record(
        self,
        sample: str,
        metrics: dict[str, float],
        rebaseline: bool = False,
        models: list[dict[str, str | None]] | None = None,
    ) -> DriftResult:
        """Store `metrics` as the baseline (first run, or asked) or as a replay compared with it.

        `models` are the versions of the trained models the run replayed (`lexcrew eval`'s
        "models"); a replay says whether they changed since the baseline."""
        models = models or []
        base = None if rebaseline else self.baseline(sample)
        run_id = uuid.uuid4().hex
        if base is None:
            row = DriftRun(
                id=run_id,
                kind="baseline",
                sample=sample,
                metrics=json.dumps(metrics),
                models=json.dumps(models),
            )
            result = DriftResult(run_id, "baseline", sample, metrics, None, {}, False, models)
            log.info("drift.baseline sample=%s %s", sample, _fmt(metrics))
        else:
            before = json.loads(base.metrics)
            fell = drops(before, metrics)
            alert = any(d > self.max_drop for d in fell.values())
            row = DriftRun(
                id=run_id,
                kind="replay",
                sample=sample,
                metrics=json.dumps(metrics),
                baseline_id=base.id,
                drops=json.dumps(fell),
                alert=alert,
                models=json.dumps(models),
            )
            before_models = json.loads(base.models)
            result = DriftResult(
                run_id, "replay", sample, metrics, before, fell, alert, models, before_models
            )
            change = result.model_change
            if alert:
                log.warning(
                    "drift.alert sample=%s max_drop=%.2f drops: %s models_changed=%s%s",
                    sample,
                    self.max_drop,
                    _fmt(fell),
                    _yes_no(result.models_changed),
                    f" ({change})" if change else "",
                )
            else:
                log.info("drift.ok sample=%s drops: %s", sample, _fmt(fell))
        with transaction(self.sessions) as session:
            session.add(row)
        return result


def _fmt(values: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4f}" for k, v in values.items())


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def replay(
    service: ReviewService, folder: Path, out: Path, workspace_id: str
) -> tuple[str, EvalRun]:
    """Review the sample with the cache bypassed and score it; returns (sample id, run)."""
    if not labelled_pdfs(folder):
        raise ConfigurationError(f"the drift sample {folder} has no labelled PDFs")
    who = Requester(workspace_id=workspace_id, local_only=True, use_cache=False)
    run = evaluate(folder, service, service.parts.clause_model.categories, out, who=who)
    return sample_id(folder), run


def sample_folder(configured: Path | None) -> Path:
    """The configured sample, or the checkout's samples/."""
    folder = configured or DEFAULT_SAMPLE
    if not folder.is_dir():
        raise ConfigurationError(
            f"no drift sample at {folder}: set LEXCREW_DRIFT__SAMPLE_DIR to a CUAD-format folder"
        )
    return folder


def run_drift(service: ReviewService, rebaseline: bool = False) -> DriftResult:
    """Replay the configured sample and record it (the weekly beat task and `lexcrew drift`)."""
    settings = service.settings
    folder = sample_folder(settings.drift.sample_dir)
    out = settings.data_dir / "drift" / uuid.uuid4().hex[:12]
    local = Workspaces(service.parts.sessions).ensure_local()
    sample, run = replay(service, folder, out, local.id)
    monitor = DriftMonitor(service.parts.sessions, settings.drift.max_drop)
    versions = model_versions(run.reports)
    return monitor.record(sample, headline(run.metrics), rebaseline, versions)
