"""Helpers shared by the test suites (real services for integration tests)."""
