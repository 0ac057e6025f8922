"""Reviewers' verdicts on findings, and their export as training data."""
