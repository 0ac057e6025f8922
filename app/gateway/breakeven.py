"""Break-even: monthly cost of API-only, self-hosted and hybrid serving, and where they cross.

Self-hosting pays a fixed floor (engineering time plus the GPU hours paid even when idle) and
a per-token GPU cost once usage exceeds the floor; the API pays per token only. Every cost is
piecewise linear in the monthly contract volume, so the break-even volume is solved exactly.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pygal  # type: ignore[import-untyped]
from pydantic import Field
from pydantic.dataclasses import dataclass as validated_dataclass
from pygal.style import Style  # type: ignore[import-untyped]

API_ONLY = "API only"
SELF_HOSTED = "Self-hosted"
HYBRID = "Hybrid"
CHART_SUFFIXES = (".svg",)

_TOKENS_PER_MTOK = 1_000_000
_SECONDS_PER_HOUR = 3600
_MIN_CHART_VOLUME = 100.0
_CHART_SAMPLES = 50
# API, self-hosted, hybrid, then the break-even and current-volume markers.
_COLORS = ("#D32F2F", "#1976D2", "#388E3C", "#212121", "#9E9E9E")

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


@validated_dataclass(frozen=True)
class CostInputs:
    """What one deployment costs; invalid values raise a ValueError naming the field."""

    contracts_per_month: NonNegative
    tokens_in_per_contract: NonNegative
    tokens_out_per_contract: NonNegative
    api_usd_per_mtok_in: NonNegative
    api_usd_per_mtok_out: NonNegative
    gpu_usd_per_hour: NonNegative
    gpu_tokens_per_s: Positive
    gpu_min_hours_per_month: NonNegative
    engineering_usd_per_month: NonNegative
    escalated_share: Share

    @property
    def api_usd_per_contract(self) -> float:
        """API price of one contract's input and output tokens."""
        return (
            self.tokens_in_per_contract * self.api_usd_per_mtok_in
            + self.tokens_out_per_contract * self.api_usd_per_mtok_out
        ) / _TOKENS_PER_MTOK

    @property
    def gpu_hours_per_contract(self) -> float:
        """GPU hours one contract's tokens take at the self-hosted throughput."""
        tokens = self.tokens_in_per_contract + self.tokens_out_per_contract
        return tokens / self.gpu_tokens_per_s / _SECONDS_PER_HOUR


@dataclass(frozen=True)
class MonthlyCosts:
    """USD per month of each way of serving one monthly volume."""

    api_only: float
    self_hosted: float
    hybrid: float


def _gpu_cost(inputs: CostInputs, hours_needed: float) -> float:
    return inputs.gpu_usd_per_hour * max(inputs.gpu_min_hours_per_month, hours_needed)


def monthly_costs(inputs: CostInputs, contracts_per_month: float | None = None) -> MonthlyCosts:
    """Price a month at `contracts_per_month` (default: the inputs' own volume)."""
    if contracts_per_month is not None:
        inputs = dataclasses.replace(inputs, contracts_per_month=contracts_per_month)
    volume = inputs.contracts_per_month
    share = inputs.escalated_share
    api_only = volume * inputs.api_usd_per_contract
    hours_needed = volume * inputs.gpu_hours_per_contract
    engineering = inputs.engineering_usd_per_month
    return MonthlyCosts(
        api_only=api_only,
        self_hosted=engineering + _gpu_cost(inputs, hours_needed),
        hybrid=engineering + _gpu_cost(inputs, (1 - share) * hours_needed) + share * api_only,
    )


def breakeven_volume(inputs: CostInputs) -> float | None:
    """Return the smallest volume from which self-hosting costs no more than the API, or None.

    None when the API stays cheaper at every volume above zero, including when its price per
    contract is below the GPU's at full use (the GPU then loses more with every contract).
    """
    api = inputs.api_usd_per_contract
    gpu = inputs.gpu_usd_per_hour * inputs.gpu_hours_per_contract
    floor = inputs.gpu_usd_per_hour * inputs.gpu_min_hours_per_month
    fixed = inputs.engineering_usd_per_month + floor
    if api < gpu:
        return None
    if fixed == 0:
        return 0.0
    if api == 0:
        return None
    # Where the API catches up with the fixed cost, the GPU may still idle within its floor:
    # fixed / api <= floor / gpu, cross-multiplied so that gpu == 0 needs no special case.
    if fixed * gpu <= floor * api:
        return fixed / api
    if api == gpu:
        return None
    return inputs.engineering_usd_per_month / (api - gpu)


def _default_max_volume(inputs: CostInputs) -> float:
    breakeven = breakeven_volume(inputs) or 0.0
    return max(2 * breakeven, 2 * inputs.contracts_per_month, _MIN_CHART_VOLUME)


def _kinks(inputs: CostInputs) -> list[float]:
    """Volumes where the self-hosted or hybrid GPU use leaves its paid floor."""
    per_contract = inputs.gpu_hours_per_contract
    floor_hours = inputs.gpu_min_hours_per_month
    kinks = []
    for self_hosted_share in (1.0, 1 - inputs.escalated_share):
        if per_contract > 0 and self_hosted_share > 0:
            kinks.append(floor_hours / (self_hosted_share * per_contract))
    return kinks


def _chart_volumes(inputs: CostInputs, max_volume: float, marks: list[float]) -> list[float]:
    step = max_volume / _CHART_SAMPLES
    evenly = [i * step for i in range(_CHART_SAMPLES + 1)]
    points = {v for v in [*evenly, *_kinks(inputs), *marks] if 0 <= v <= max_volume}
    return sorted(points)


def _drop_comments(root: Any) -> Any:
    # pygal writes comments holding its project URLs; the file must name no web address.
    for child in list(root):
        if not isinstance(child.tag, str):
            root.remove(child)
    return root


def _new_chart(max_volume: float) -> Any:
    chart = pygal.XY(
        title="Monthly cost by contract volume",
        x_title="Contracts per month",
        y_title="Cost (USD per month)",
        js=[],  # pygal's default tooltip script is fetched from the web
        xrange=(0, max_volume),
        include_x_axis=True,
        show_dots=False,
        legend_at_bottom=True,
        truncate_legend=-1,
        width=900,
        height=540,
        legend_at_bottom_columns=3,
        margin_bottom=48,  # room for the second legend row (the markers)
        style=Style(colors=_COLORS, stroke_width="2"),
        value_formatter=lambda usd: f"${usd:,.0f}",
        x_value_formatter=lambda volume: f"{volume:,.0f}",
    )
    chart.add_xml_filter(_drop_comments)
    return chart


def _add_series(chart: Any, inputs: CostInputs, volumes: list[float]) -> None:
    costs = [(v, monthly_costs(inputs, v)) for v in volumes]
    series: list[tuple[str, Callable[[MonthlyCosts], float]]] = [
        (API_ONLY, lambda c: c.api_only),
        (SELF_HOSTED, lambda c: c.self_hosted),
        (f"{HYBRID} ({inputs.escalated_share:.0%} escalated)", lambda c: c.hybrid),
    ]
    for title, pick in series:
        chart.add(title, [(v, pick(c)) for v, c in costs])


def _add_marker(chart: Any, title: str, volume: float, top: float) -> None:
    line = [(volume, 0.0), (volume, top)]
    chart.add(title, line, stroke_style={"dasharray": "6, 4"})


def render_chart(inputs: CostInputs, max_volume: float | None = None) -> str:
    """Draw the three monthly costs against volume as SVG text."""
    if max_volume is None:
        max_volume = _default_max_volume(inputs)
    elif not (math.isfinite(max_volume) and max_volume > 0):
        raise ValueError(f"max_volume must be a positive finite number, got {max_volume!r}")
    breakeven = breakeven_volume(inputs)
    current = inputs.contracts_per_month
    marks = [v for v in (breakeven, current) if v is not None and 0 < v <= max_volume]
    chart = _new_chart(max_volume)
    _add_series(chart, inputs, _chart_volumes(inputs, max_volume, marks))
    at_end = monthly_costs(inputs, max_volume)
    top = max(at_end.api_only, at_end.self_hosted, at_end.hybrid) or 1.0
    if breakeven is not None and 0 < breakeven <= max_volume:
        _add_marker(chart, f"Break-even ({_whole(breakeven):,}/month)", breakeven, top)
    if 0 < current <= max_volume:
        _add_marker(chart, f"Current ({current:,.0f}/month)", current, top)
    svg: str = chart.render(is_unicode=True)
    return svg


def write_chart(inputs: CostInputs, path: Path, max_volume: float | None = None) -> Path:
    """Write the cost chart to `path` (SVG) atomically and return the path."""
    if path.suffix.lower() not in CHART_SUFFIXES:
        supported = ", ".join(CHART_SUFFIXES)
        raise ValueError(f"unsupported chart format {path.suffix!r}; supported: {supported}")
    svg = render_chart(inputs, max_volume)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(svg)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _usd(amount: float) -> str:
    return f"${amount:,.2f}" if amount < 100 else f"${amount:,.0f}"


def _count(volume: float) -> str:
    return f"{volume:,.0f} contracts"


def _whole(volume: float) -> int:
    """Round a break-even up to whole contracts, ignoring float noise past 6 decimals."""
    return math.ceil(round(volume, 6))


def render_table(inputs: CostInputs) -> list[tuple[str, str]]:
    """Return (label, value) rows for the CLI: volume, the three costs and the break-even."""
    costs = monthly_costs(inputs)
    breakeven = breakeven_volume(inputs)
    if breakeven is None:
        crossing = "never: the API stays cheaper"
    else:
        crossing = f"{_count(_whole(breakeven))}/month"
    return [
        ("Volume", f"{_count(inputs.contracts_per_month)}/month"),
        (API_ONLY, f"{_usd(costs.api_only)}/month"),
        (SELF_HOSTED, f"{_usd(costs.self_hosted)}/month"),
        (f"{HYBRID} ({inputs.escalated_share:.0%} escalated)", f"{_usd(costs.hybrid)}/month"),
        ("Break-even", crossing),
    ]
