"""The default playbook: which findings are risky, and which missing clauses matter."""

from __future__ import annotations

from dataclasses import dataclass

from app.review.report import Risk


@dataclass(frozen=True)
class Rule:
    """Risk of a category when found, and when absent (None: its absence is no finding)."""

    when_present: Risk
    when_missing: Risk | None = None


_LOW_INFO = Risk(severity="low", reason="Standard term; check it matches the deal.")


def _present(severity: str, reason: str) -> Rule:
    return Rule(Risk(severity=severity, reason=reason))  # type: ignore[arg-type]


DEFAULT_RULES: dict[str, Rule] = {
    "Uncapped Liability": _present("high", "Liability is uncapped for some claims."),
    "Non-Compete": _present("high", "Restricts a party from competing."),
    "IP Ownership Assignment": _present("high", "Intellectual property is assigned away."),
    "Exclusivity": _present("medium", "Exclusive dealing limits other partners."),
    "Change of Control": _present("medium", "A change of control triggers rights or consent."),
    "Most Favored Nation": _present("medium", "Pricing must match the best terms given."),
    "Rofr/Rofo/Rofn": _present("medium", "A right of first refusal/offer/negotiation binds."),
    "Minimum Commitment": _present("medium", "A minimum purchase or volume is owed."),
    "Volume Restriction": _present("medium", "Use or volume is limited."),
    "Liquidated Damages": _present("medium", "Fixed damages are payable on breach."),
    "Covenant Not to Sue": _present("medium", "A party gives up the right to sue."),
    "No-Solicit of Customers": _present("medium", "Customers may not be solicited."),
    "No-Solicit of Employees": _present("medium", "Employees may not be solicited."),
    "Termination for Convenience": _present("medium", "A party may end the contract at will."),
    "Price Restrictions": _present("medium", "Prices cannot be changed freely."),
    "Joint IP Ownership": _present("medium", "Jointly owned IP is hard to exploit alone."),
    "Irrevocable or Perpetual License": _present("medium", "The licence cannot be ended."),
    "Non-Disparagement": _present("low", "Parties may not disparage each other."),
    "Anti-Assignment": _present("low", "Assignment needs consent."),
    "Cap on Liability": Rule(
        Risk(severity="low", reason="Liability is capped; check the amount."),
        Risk(severity="high", reason="No cap on liability was found."),
    ),
    "Governing Law": Rule(
        _LOW_INFO, Risk(severity="medium", reason="No governing law clause was found.")
    ),
    "Expiration Date": Rule(
        _LOW_INFO, Risk(severity="low", reason="No term or expiration was found.")
    ),
}


def risk_of(category: str) -> Risk:
    """Return the risk of a category's clause when it is present."""
    rule = DEFAULT_RULES.get(category)
    return rule.when_present if rule else _LOW_INFO


def missing_risks(missing: list[str]) -> dict[str, Risk]:
    """Return the risk of each absent category whose absence matters."""
    return {
        c: rule.when_missing
        for c in missing
        if (rule := DEFAULT_RULES.get(c)) is not None and rule.when_missing is not None
    }
