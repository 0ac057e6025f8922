"""Workspaces (clients) and their API keys."""
