from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.gateway.breakeven import (
    CostInputs,
    MonthlyCosts,
    breakeven_volume,
    monthly_costs,
    render_table,
    write_chart,
)

_NAMESPACE_URIS = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _dedicated(**changes: float) -> CostInputs:
    """Per contract: API $0.20 (50k in at $2/Mtok, 10k out at $10/Mtok), GPU 1/60 h at $3/h.

    The GPU is paid for 500 h a month (a $1,500 floor) and engineering costs $500 a month.
    """
    inputs = CostInputs(
        contracts_per_month=1200,
        tokens_in_per_contract=50_000,
        tokens_out_per_contract=10_000,
        api_usd_per_mtok_in=2,
        api_usd_per_mtok_out=10,
        gpu_usd_per_hour=3,
        gpu_tokens_per_s=1000,
        gpu_min_hours_per_month=500,
        engineering_usd_per_month=500,
        escalated_share=0.25,
    )
    return dataclasses.replace(inputs, **changes)


def test_api_cost_is_tokens_times_price_per_million() -> None:
    assert monthly_costs(_dedicated()).api_only == pytest.approx(1200 * 0.20)


def test_idle_gpu_is_paid_for_its_minimum_hours() -> None:
    # 1,200 contracts need 20 GPU hours, below the 500 h paid anyway: 500 + 3 * 500.
    assert monthly_costs(_dedicated()).self_hosted == pytest.approx(2000)


def test_busy_gpu_is_paid_for_the_hours_it_needs() -> None:
    # 60,000 contracts need 1,000 GPU hours: 500 + 3 * 1,000.
    assert monthly_costs(_dedicated(), 60_000).self_hosted == pytest.approx(3500)


def test_hybrid_pays_engineering_gpu_floor_and_the_escalated_api_share() -> None:
    # 15 GPU hours stay within the floor: 500 + 1,500 + 25% of $240.
    assert monthly_costs(_dedicated()).hybrid == pytest.approx(2060)
    # 750 GPU hours beyond the floor: 500 + 3 * 750 + 25% of $12,000.
    assert monthly_costs(_dedicated(), 60_000).hybrid == pytest.approx(5750)


def test_volume_argument_overrides_the_inputs_volume() -> None:
    assert monthly_costs(_dedicated(), 0) == MonthlyCosts(0.0, 2000.0, 2000.0)


def test_breakeven_while_the_gpu_idles_within_its_floor() -> None:
    # $2,000 fixed / $0.20 a contract; 10,000 contracts use 167 of the 500 paid hours.
    inputs = _dedicated()
    assert breakeven_volume(inputs) == pytest.approx(10_000)
    at = monthly_costs(inputs, 10_000)
    assert at.self_hosted == pytest.approx(at.api_only)
    below = monthly_costs(inputs, 9_999)
    assert below.self_hosted > below.api_only


def test_breakeven_once_usage_exceeds_the_gpu_floor() -> None:
    # Floor 30 h ($90) is used up at 1,800 contracts; then 600 + 0.05 V = 0.20 V at V = 4,000.
    inputs = _dedicated(gpu_min_hours_per_month=30, engineering_usd_per_month=600)
    assert breakeven_volume(inputs) == pytest.approx(4000)
    at = monthly_costs(inputs, 4000)
    assert at.self_hosted == pytest.approx(at.api_only) == pytest.approx(800)
    below = monthly_costs(inputs, 3990)
    assert below.self_hosted > below.api_only


def test_pay_per_use_gpu_breaks_even_on_engineering_alone() -> None:
    inputs = _dedicated(gpu_min_hours_per_month=0, engineering_usd_per_month=600)
    assert breakeven_volume(inputs) == pytest.approx(4000)


def test_no_breakeven_when_the_api_is_cheaper_per_token_than_a_full_gpu() -> None:
    # API $0.009 a contract against $0.05 of GPU time.
    inputs = _dedicated(api_usd_per_mtok_in=0.1, api_usd_per_mtok_out=0.4)
    assert breakeven_volume(inputs) is None
    free_fixed = dataclasses.replace(inputs, gpu_min_hours_per_month=0, engineering_usd_per_month=0)
    assert breakeven_volume(free_fixed) is None


def test_no_breakeven_when_the_api_is_free() -> None:
    assert breakeven_volume(_dedicated(api_usd_per_mtok_in=0, api_usd_per_mtok_out=0)) is None


def test_breakeven_is_zero_without_fixed_costs() -> None:
    inputs = _dedicated(gpu_min_hours_per_month=0, engineering_usd_per_month=0)
    assert breakeven_volume(inputs) == 0.0


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("api_price_in", [2.0, 0.1])
def test_hybrid_lies_between_api_and_self_hosted_without_fixed_costs(
    share: float, api_price_in: float
) -> None:
    # Without fixed costs the hybrid is the share-weighted mix of the two; at $0.1/Mtok in and
    # no output price the API is the cheaper one, at $2/Mtok the dearer one.
    inputs = _dedicated(
        gpu_min_hours_per_month=0,
        engineering_usd_per_month=0,
        escalated_share=share,
        api_usd_per_mtok_in=api_price_in,
        api_usd_per_mtok_out=0 if api_price_in < 1 else 10,
    )
    for volume in (10, 1200, 60_000):
        costs = monthly_costs(inputs, volume)
        low, high = sorted((costs.api_only, costs.self_hosted))
        assert low < costs.hybrid < high
        mix = share * costs.api_only + (1 - share) * costs.self_hosted
        assert costs.hybrid == pytest.approx(mix)


def test_hybrid_without_escalation_is_self_hosted() -> None:
    costs = monthly_costs(_dedicated(escalated_share=0), 60_000)
    assert costs.hybrid == costs.self_hosted


def test_table_rows_carry_units_and_formatted_numbers() -> None:
    assert render_table(_dedicated()) == [
        ("Volume", "1,200 contracts/month"),
        ("API only", "$240/month"),
        ("Self-hosted", "$2,000/month"),
        ("Hybrid (25% escalated)", "$2,060/month"),
        ("Break-even", "10,000 contracts/month"),
    ]


def test_table_says_when_there_is_no_breakeven_and_keeps_cents_of_small_costs() -> None:
    rows = dict(render_table(_dedicated(contracts_per_month=10, api_usd_per_mtok_out=0)))
    assert rows["API only"] == "$1.00/month"
    rows = dict(render_table(_dedicated(api_usd_per_mtok_in=0.1, api_usd_per_mtok_out=0.4)))
    assert rows["Break-even"] == "never: the API stays cheaper"


def test_table_rounds_the_breakeven_up_to_whole_contracts() -> None:
    inputs = _dedicated(gpu_min_hours_per_month=20, engineering_usd_per_month=500)
    assert breakeven_volume(inputs) == pytest.approx(3333.33, abs=0.01)
    assert dict(render_table(inputs))["Break-even"] == "3,334 contracts/month"


def test_chart_is_svg_with_the_three_series_and_markers(tmp_path: Path) -> None:
    path = write_chart(_dedicated(), tmp_path / "costs.svg")
    assert path == tmp_path / "costs.svg"
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {text.strip() for text in root.itertext()}
    for name in (
        "API only",
        "Self-hosted",
        "Hybrid (25% escalated)",
        "Break-even (10,000/month)",
        "Current (1,200/month)",
        "Contracts per month",
        "Cost (USD per month)",
        "Monthly cost by contract volume",
    ):
        assert name in texts
    assert [p.name for p in tmp_path.iterdir()] == ["costs.svg"]


def test_chart_fetches_nothing_from_the_web(tmp_path: Path) -> None:
    path = write_chart(_dedicated(), tmp_path / "costs.svg")
    text = path.read_text(encoding="utf-8")
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= _NAMESPACE_URIS
    for element in ET.fromstring(text).iter():
        for value in element.attrib.values():
            assert not value.startswith(("//", "http:", "https:")), value
    assert "kozea.github.io" not in text


def test_chart_default_range_reaches_twice_the_breakeven(tmp_path: Path) -> None:
    root = ET.parse(write_chart(_dedicated(), tmp_path / "costs.svg")).getroot()
    x_labels = [t for t in root.itertext() if re.fullmatch(r"[\d,]+", t.strip())]
    assert max(int(label.replace(",", "")) for label in x_labels) == 20_000


def test_chart_draws_when_self_hosting_never_pays(tmp_path: Path) -> None:
    inputs = _dedicated(api_usd_per_mtok_in=0.1, api_usd_per_mtok_out=0.4, contracts_per_month=0)
    root = ET.parse(write_chart(inputs, tmp_path / "costs.SVG", max_volume=500)).getroot()
    texts = {text.strip() for text in root.itertext()}
    assert "API only" in texts
    assert not any(text.startswith("Break-even") for text in texts)


def test_chart_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "costs.svg"
    path.write_text("old", encoding="utf-8")
    write_chart(_dedicated(), path)
    assert ET.parse(path).getroot().tag.endswith("svg")


def test_chart_refuses_formats_other_than_svg(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.png'.*supported: \.svg"):
        write_chart(_dedicated(), tmp_path / "costs.png")
    assert list(tmp_path.iterdir()) == []


def test_chart_refuses_a_non_positive_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_volume"):
        write_chart(_dedicated(), tmp_path / "costs.svg", max_volume=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contracts_per_month", -1),
        ("tokens_in_per_contract", -5),
        ("api_usd_per_mtok_out", -0.01),
        ("gpu_usd_per_hour", math.nan),
        ("gpu_tokens_per_s", 0),
        ("gpu_min_hours_per_month", math.inf),
        ("engineering_usd_per_month", -100),
        ("escalated_share", 1.5),
        ("escalated_share", -0.1),
    ],
)
def test_invalid_inputs_are_refused_with_the_field_named(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        _dedicated(**{field: value})


def test_negative_volume_override_is_refused() -> None:
    with pytest.raises(ValueError, match="contracts_per_month"):
        monthly_costs(_dedicated(), -10)
