"""Review one document: ingest, find candidates, run the crew, check, assemble the report."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import get_args

from app.config import BaseWeightTask, Settings
from app.errors import BudgetExceededError, LexcrewError
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.gateway.ledger import CallContext
from app.gateway.metering import UsageMeter
from app.gateway.router import BoundGateway, Gateway
from app.ingestion.pipeline import Ingestor, IngestResult
from app.ingestion.types import ExtractedText
from app.observability import metrics, tracing
from app.observability.stages import stage
from app.observability.tracing import Span
from app.review import playbook
from app.review.candidates import Candidate, find_candidates
from app.review.crew_plan import (
    CrewOutputs,
    JudgeAnswer,
    MemoAnswer,
    NormalizationAnswer,
    Reviewer,
    VerdictAnswer,
)
from app.review.findings import (
    Draft,
    apply_escalation,
    apply_judgement,
    apply_values,
    apply_verdicts,
    escalation_reasons,
    judge_sample,
    make_drafts,
    mark_schema,
)
from app.review.injection import Flag, back_to_document, find_flags, outside, without
from app.review.planning import (
    PlanInputs,
    build_escalation_plan,
    build_judge_plan,
    build_plan,
    choose_inputs,
)
from app.review.report import (
    ClauseFinding,
    DocumentInfo,
    InjectionFlag,
    ModelVersions,
    PossibleClause,
    Report,
    Risk,
    Timing,
    TraceInfo,
)
from app.review.summary import build_summary, facts_overview, key_terms, memo, risk_lines
from app.storage.db import SessionFactory
from app.storage.files import DocumentFiles

Progress = Callable[[str], None]
NOT_TRAINED = "not_done: the self-hosted model is not trained to validate"
log = logging.getLogger("lexcrew.review")


@dataclass(frozen=True)
class Requester:
    """Who a review is for: the workspace, its privacy setting, and the batch, if any."""

    workspace_id: str = "local"
    local_only: bool = True
    batch_id: str | None = None
    trace_content: bool = False  # contract text may go into this workspace's traces
    use_cache: bool = True  # False for a drift replay: every answer comes from the model


@dataclass(frozen=True)
class ReviewParts:
    """The long-lived parts a review needs, built once per process."""

    ingestor: Ingestor
    clause_model: ClauseModel
    phrase_model: PhraseModel
    gateway: Gateway
    reviewer: Reviewer
    files: DocumentFiles
    sessions: SessionFactory

    def model_versions(self) -> ModelVersions:
        """The versions of the trained models every report of this process comes from."""
        encoder = self.clause_model.encoder
        return ModelVersions(
            clause_model=self.clause_model.version,
            phrase_model=self.phrase_model.version,
            encoder=encoder.version if encoder is not None else None,
        )


def _apply(drafts: list[Draft], outputs: CrewOutputs, inputs: PlanInputs) -> list[Draft]:
    for task, ids in (("extract", inputs.value_ids), ("validate", inputs.verdict_ids)):
        if task in outputs.answers or task in outputs.errors:
            drafts = mark_schema(drafts, set(ids), task in outputs.answers)
    values = outputs.answers.get("extract")
    if isinstance(values, NormalizationAnswer):
        drafts = apply_values(drafts, values, set(inputs.value_ids))
    verdicts = outputs.answers.get("validate")
    if isinstance(verdicts, VerdictAnswer):
        drafts = apply_verdicts(drafts, verdicts, set(inputs.verdict_ids))
    return drafts


def _confidence(value: float) -> float:
    """A confidence as the report states it: within [0, 1], four decimals."""
    return round(min(max(value, 0.0), 1.0), 4)


def _finding(draft: Draft, risk: Risk) -> ClauseFinding:
    return ClauseFinding(
        id=draft.id,
        category=draft.category,
        text=draft.text,
        page=draft.page,
        start=draft.start,
        end=draft.end,
        normalized=draft.normalized,
        confidence=_confidence(draft.confidence),
        tier=draft.tier,
        escalated=draft.escalated,
        checks=draft.checks,
        risk=risk,
    )


def _possible(c: Candidate) -> PossibleClause:
    return PossibleClause(
        category=c.category,
        text=c.text,
        page=c.page,
        start=c.start,
        end=c.end,
        confidence=_confidence(c.confidence),
    )


class ReviewService:
    """The one code path from PDF bytes to a schema-v1 report."""

    def __init__(self, settings: Settings, parts: ReviewParts) -> None:
        self.settings = settings
        self.parts = parts

    def review(
        self,
        data: bytes,
        filename: str,
        who: Requester | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """Review one PDF; BadDocumentError for bad input, ModelUnavailableError when it is down."""
        who = who or Requester()
        say = progress or (lambda _stage: None)
        say("ingesting")
        with self._trace(who, hashlib.sha256(data).hexdigest(), filename) as root:
            started = time.perf_counter()
            with tracing.span("ingest"):
                ingested = self.ingest(data, filename, who.workspace_id)
            self.parts.files.save_pdf(who.workspace_id, ingested.text.document_id, data, filename)
            report = self.review_text(ingested.text, time.perf_counter() - started, say, who)
            if root is not None:
                describe_outcome(root, report)
        return report

    @contextmanager
    def _trace(self, who: Requester, document_id: str, filename: str) -> Iterator[Span | None]:
        """A new trace for this review, unless the caller (a worker) already runs one."""
        if tracing.current() is not None:
            yield None
            return
        root = tracing.root_span("review", who.workspace_id, document_id, who.trace_content)
        root.attributes.update(tracing.ids_of(root, who.batch_id))
        root.inputs = {"filename": root.content(filename)}
        with tracing.trace(root):
            yield root

    def close(self) -> None:
        """Stop the child processes the service started."""
        self.parts.ingestor.close()

    def ingest(self, data: bytes, filename: str, workspace_id: str) -> IngestResult:
        """Parse, chunk, embed and index a PDF, and keep its text for the review stage."""
        ingested = self.parts.ingestor.ingest(data, filename, workspace_id)
        self.parts.files.save_text(workspace_id, ingested.text)
        return ingested

    def review_text(
        self,
        doc: ExtractedText,
        ingest_s: float = 0.0,
        progress: Progress | None = None,
        who: Requester | None = None,
    ) -> Report:
        """Find, check and summarise the clauses of an ingested document."""
        say = progress or (lambda _stage: None)
        say("reviewing")
        started = time.perf_counter()
        with metrics.timed("review"):
            report = self._review(doc, say, who or Requester())
        review_s = time.perf_counter() - started
        timing = Timing(
            ingest_s=round(ingest_s, 3),
            review_s=round(review_s, 3),
            total_s=round(ingest_s + review_s, 3),
        )
        return report.model_copy(update={"timing": timing})

    def _drafts(self, doc: ExtractedText) -> tuple[list[Draft], list[PossibleClause], list[Flag]]:
        """Findings from the clause model; passages flagged as injected or hidden are cut out
        first, so they can neither become findings nor reach a model, nor move the other
        passages (the clause model reads positions)."""
        ex = self.settings.extraction
        flags = find_flags(doc)
        if flags:
            kinds = ",".join(sorted({f.kind for f in flags}))
            log.warning(
                "review.injection_flagged document_id=%s passages=%d kinds=%s",
                doc.document_id,
                len(flags),
                kinds,
            )
        with stage("candidates") as step:
            clean = without(doc, flags)
            found = find_candidates(clean.doc, self.parts.clause_model, self.parts.phrase_model, ex)
            candidates = outside(back_to_document(found.findings, clean, doc), doc, flags)
            possible = outside(back_to_document(found.possible, clean, doc), doc, flags)
            drafts, dropped = make_drafts(doc, candidates)
            if step is not None:
                step.attributes.update(
                    {"clauses": len(drafts), "dropped": dropped, "flagged_passages": len(flags)}
                )
        if dropped:
            log.info("review.clauses_dropped document_id=%s count=%d", doc.document_id, dropped)
        return drafts, [_possible(c) for c in possible], flags

    def _run_crew(
        self, doc: ExtractedText, drafts: list[Draft], inputs: PlanInputs, gateway: BoundGateway
    ) -> tuple[CrewOutputs, BudgetExceededError | None]:
        try:
            with tracing.span("crew"):
                plan = build_plan(doc.document_id, drafts, inputs)
                outputs = self.parts.reviewer.run(plan, gateway)
        except BudgetExceededError as exc:
            return CrewOutputs(), exc
        except LexcrewError:
            if gateway.stopped is None:
                raise
            outputs = CrewOutputs()
        # The crew may have turned a gateway error into an unparsed answer: the gateway knows.
        if isinstance(gateway.stopped, BudgetExceededError):
            return outputs, gateway.stopped
        if gateway.stopped is not None:
            raise gateway.stopped
        return outputs, None

    def _escalate(
        self, doc: ExtractedText, drafts: list[Draft], ctx: CallContext, meter: UsageMeter
    ) -> list[Draft]:
        """Check hard, doubtful and rejected clauses again at a higher tier, when one is allowed."""
        g = self.settings.gateway
        reasons = escalation_reasons(drafts, g.escalate_below, frozenset(g.hard_categories))
        if not reasons or not self.parts.gateway.can_escalate("validate", ctx):
            return drafts
        plan, chosen = build_escalation_plan(doc.document_id, drafts, reasons, g.max_escalations)
        gateway = self.parts.gateway.bind(ctx, meter)
        try:
            with stage("escalation") as step:
                if step is not None:
                    step.attributes["clauses"] = len(chosen)
                outputs = self.parts.reviewer.run(plan, gateway)
        except LexcrewError:
            outputs = CrewOutputs()
        if gateway.stopped is not None:
            if isinstance(gateway.stopped, BudgetExceededError):
                raise gateway.stopped
            # No higher tier answered: the first verdicts stand, and say so.
            note = f"not done: {gateway.stopped.reason}"
            return [
                replace(d, checks={**d.checks, "escalation": note}) if d.id in chosen else d
                for d in drafts
            ]
        answer = outputs.answers.get("validate")
        served = [r for r in meter.records if r.escalation and r.outcome == "ok"]
        if not served:
            return drafts
        if not isinstance(answer, VerdictAnswer):
            answer = VerdictAnswer(verdicts=[])  # answered, but not in the asked shape
        return apply_escalation(drafts, answer, chosen, served[-1].tier)

    def _judge(
        self, doc: ExtractedText, drafts: list[Draft], ctx: CallContext, meter: UsageMeter
    ) -> list[Draft]:
        """The LLM judge on a sample of findings, at a tier above the self-hosted model, asked
        twice with the two statements in swapped order so that a preference for a position
        cancels out. Optional: when it cannot run (only the self-hosted tier allowed, no tier
        answering, budget), the sampled findings say so and the review goes on."""
        ex = self.settings.extraction
        ids = judge_sample(doc.document_id, drafts, ex.judge_sample_rate, ex.judge_max_per_document)
        if not ids:
            return drafts
        allowed = self.parts.gateway.allowed_tiers(ctx)
        if not any(t != "self_hosted" for t in allowed):
            # A judge is only worth its calls above the model it judges.
            note = "not_done: no tier above self_hosted is allowed for this workspace"
            return [
                replace(d, checks={**d.checks, "judge": note}) if d.id in ids else d for d in drafts
            ]
        chosen = [d for d in drafts if d.id in ids]
        answers: list[JudgeAnswer | None] = []
        gateway = self.parts.gateway.bind(ctx, meter)
        with stage("judge") as step:
            if step is not None:
                step.attributes["findings"] = len(ids)
            for swapped in (False, True):
                try:
                    outputs = self.parts.reviewer.run(
                        build_judge_plan(doc.document_id, chosen, swapped), gateway
                    )
                except LexcrewError:
                    outputs = CrewOutputs()
                if gateway.stopped is not None:
                    note = f"not_done: {gateway.stopped.reason}"
                    return [
                        replace(d, checks={**d.checks, "judge": note}) if d.id in ids else d
                        for d in drafts
                    ]
                answer = outputs.answers.get("judge")
                answers.append(answer if isinstance(answer, JudgeAnswer) else None)
        judged = [r for r in meter.records if r.task == "judge" and r.outcome == "ok"]
        tier = judged[-1].tier if judged else "none"
        return apply_judgement(drafts, ids, answers[0], answers[1], tier)

    def _on_base_weights(self, ctx: CallContext) -> frozenset[str]:
        """The crew tasks left out of this review: those whose first tier would answer them on
        base weights, unless `extraction.base_weight_tasks` asks for them anyway."""
        allowed = set(self.settings.extraction.base_weight_tasks)
        return frozenset(
            task
            for task in get_args(BaseWeightTask)
            if task not in allowed and self.parts.gateway.on_base_weights(task, ctx)
        )

    def _review(self, doc: ExtractedText, say: Progress, who: Requester) -> Report:
        categories = self.parts.clause_model.categories
        drafts, possible, flags = self._drafts(doc)
        found = {d.category for d in drafts}
        missing = [c for c in categories if c not in found]
        risks = {d.id: playbook.risk_of(d.category) for d in drafts}
        absent = playbook.missing_risks(missing)
        lines = risk_lines(drafts, risks, absent)
        active = tracing.current()
        trace_id = active.trace_id if active is not None else uuid.uuid4().hex
        ctx = CallContext(
            who.workspace_id, doc.document_id, who.batch_id, trace_id, who.local_only, who.use_cache
        )
        inputs = choose_inputs(
            drafts,
            self.settings.extraction.low_confidence,
            _terms_line(key_terms(drafts, categories)),
            "; ".join(lines[:8]),
        )
        left_out = self._on_base_weights(ctx)
        if "validate" in left_out:
            asked = set(inputs.verdict_ids)
            drafts = [
                replace(d, checks={**d.checks, "model_check": NOT_TRAINED}) if d.id in asked else d
                for d in drafts
            ]
        inputs = replace(
            inputs,
            verdict_ids=() if "validate" in left_out else inputs.verdict_ids,
            summarize="summarize" not in left_out,
        )
        meter = UsageMeter()
        say("crew")
        outputs, stop = self._run_crew(doc, drafts, inputs, self.parts.gateway.bind(ctx, meter))
        drafts = _apply(drafts, outputs, inputs)
        if stop is None:
            try:
                drafts = self._escalate(doc, drafts, ctx, meter)
            except BudgetExceededError as exc:
                stop = exc
        if stop is None:
            drafts = self._judge(doc, drafts, ctx, meter)
        memo_text = _memo(drafts, outputs, lines, inputs, facts_overview(drafts, risks, absent))
        if flags:
            pages = ", ".join(str(p) for p in sorted({f.page for f in flags}))
            memo_text = (
                f"WARNING: {len(flags)} passage(s) read as instructions to an AI or are hidden "
                f"from readers (page {pages}); they were left out of the review.\n\n" + memo_text
            )
        if stop is not None:
            memo_text = (
                f"STOPPED: {stop.reason}. The findings below are from the clause model and the "
                "checks done before the cap; model checks that did not run are marked "
                "'not_checked'.\n\n" + memo_text
            )
        return Report(
            document=DocumentInfo(
                id=doc.document_id,
                filename=doc.filename,
                sha256=doc.document_id,
                pages=len(doc.pages),
            ),
            status="budget_exceeded" if stop is not None else "completed",
            clauses=[_finding(d, risks[d.id]) for d in drafts],
            missing=missing,
            possible=possible,
            summary=build_summary(key_terms(drafts, categories), memo_text),
            usage=meter.summary(),
            timing=Timing(ingest_s=0.0, review_s=0.0, total_s=0.0),
            trace=TraceInfo(id=trace_id),
            injections=[InjectionFlag(**asdict(f)) for f in flags],
            models=self.parts.model_versions(),
        )


def describe_outcome(root: Span, report: Report) -> None:
    """What a finished review's root span shows: its outcome and sizes, never text."""
    root.outputs = {
        "status": report.status,
        "clauses": len(report.clauses),
        "missing": len(report.missing),
        "llm_calls": report.usage.llm_calls,
        "prompt_tokens": report.usage.prompt_tokens,
        "completion_tokens": report.usage.completion_tokens,
        "cost_usd": report.usage.cost_usd,
    }


def _memo(
    drafts: list[Draft], outputs: CrewOutputs, lines: list[str], inputs: PlanInputs, facts: str
) -> str:
    overview = outputs.answers.get("summarize")
    flagged = [d for d in drafts if d.checks.get("flagged") is True]
    text = memo(
        overview.overview if isinstance(overview, MemoAnswer) else None,
        lines,
        flagged,
        source=f"{inputs.key_terms} {inputs.risks}",
        facts=facts,
    )
    if outputs.errors:
        text += "\n\nModel answers not used: " + "; ".join(
            f"{k}: {v}" for k, v in sorted(outputs.errors.items())
        )
    return text


def _terms_line(terms: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v[:80]}" for k, v in list(terms.items())[:10])
