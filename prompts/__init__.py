"""Prompt templates as data files; rendered only through app.prompting."""
