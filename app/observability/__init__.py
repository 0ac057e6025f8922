"""Traces, metrics and logs: how a team running lexcrew sees what it does."""
