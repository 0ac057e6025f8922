"""Reviewing one document: candidates, validation, risk, summary, the report."""
