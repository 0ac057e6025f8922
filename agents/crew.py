"""The review crew: extractor, validator and summarizer as CrewAI agents on the gateway."""

from __future__ import annotations

from typing import Any

from crewai import Agent, Crew, CrewOutput, Process, Task
from crewai.utilities.converter import ConverterError
from pydantic import ValidationError

from agents.llm import GatewayLLM
from app.config import Settings
from app.gateway.protocol import ChatModel
from app.review.crew_plan import AgentSpec, CrewOutputs, CrewPlan, TaskSpec


def _agent(spec: AgentSpec, llm: GatewayLLM) -> Agent:
    return Agent(
        role=spec.role,
        goal=spec.goal,
        backstory=spec.backstory,
        llm=llm,
        allow_delegation=False,
        max_iter=1,  # one model call per task: the loop is capped, not left to the model
        max_retry_limit=0,
        verbose=False,
    )


def _task(spec: TaskSpec, agent: Agent) -> Task:
    return Task(
        name=spec.kind,
        description=spec.description,
        expected_output=spec.expected_output,
        agent=agent,
        output_pydantic=spec.answer_model,
    )


def _parse(spec: TaskSpec, output: Any) -> Any:
    if isinstance(getattr(output, "pydantic", None), spec.answer_model):
        return output.pydantic
    return spec.answer_model.model_validate_json(str(output.raw))


class CrewReviewer:
    """Builds a fresh crew per document (agents are cheap) and runs its tasks in order."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def run(self, plan: CrewPlan, model: ChatModel) -> CrewOutputs:
        """Run the plan's tasks sequentially; each task's answer is parsed or its error kept."""
        if not plan.tasks:
            return CrewOutputs()
        specs = {a.key: a for a in plan.agents}
        agents: dict[str, Agent] = {}
        llms: list[GatewayLLM] = []
        for spec in plan.tasks:
            if spec.agent not in agents:
                llm = GatewayLLM(
                    model,
                    task_kind=spec.kind,
                    document_id=plan.document_id,
                    context_window=self._settings.model.n_ctx,
                    answer_tokens=self._settings.model.max_tokens,
                    prompt_version=spec.prompt_version,
                    escalation=spec.escalation,
                    agent_key=spec.agent,
                )
                llms.append(llm)
                agents[spec.agent] = _agent(specs[spec.agent], llm)
        tasks = [_task(spec, agents[spec.agent]) for spec in plan.tasks]
        crew = Crew(
            agents=list(agents.values()), tasks=tasks, process=Process.sequential, verbose=False
        )
        try:
            result = crew.kickoff()
        except ConverterError as exc:
            # A tier that ignored the answer schema (and CrewAI's repair call failed too): the
            # review goes on without these answers and its memo says why.
            reason = f"answer did not parse: {type(exc).__name__}"
            return CrewOutputs(errors={spec.kind: reason for spec in plan.tasks})
        finally:
            for llm in llms:
                llm.end_trace()
        if not isinstance(result, CrewOutput):
            raise TypeError("the review crew must not stream")
        outputs = CrewOutputs()
        for spec, output in zip(plan.tasks, result.tasks_output, strict=True):
            try:
                outputs.answers[spec.kind] = _parse(spec, output)
            except (ValidationError, ValueError) as exc:
                outputs.errors[spec.kind] = f"answer did not parse: {str(exc).splitlines()[0]}"
        return outputs


def build_reviewer(settings: Settings) -> CrewReviewer:
    """Entry point `lexcrew.reviewers:crewai`: the default reviewer."""
    return CrewReviewer(settings)
