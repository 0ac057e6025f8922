"""Expected failures as typed errors that carry the HTTP status a client should see."""

from __future__ import annotations


class LexcrewError(Exception):
    """Base of every expected failure; `reason` is one line fit for a user."""

    status_code = 500

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadDocumentError(LexcrewError):
    """The file cannot be reviewed: not a PDF, encrypted, empty, corrupt or without text."""

    status_code = 422


class UnsupportedMediaError(BadDocumentError):
    """The file is not a PDF at all."""

    status_code = 415


class PayloadTooLargeError(BadDocumentError):
    """The file (or archive, or page count) is over a configured limit."""

    status_code = 413


class NotFoundError(LexcrewError):
    """No such resource in the caller's workspace (another workspace's ids look the same)."""

    status_code = 404


class AuthenticationError(LexcrewError):
    """A missing, malformed or unknown API key."""

    status_code = 401


class ConflictError(LexcrewError):
    """The request contradicts an earlier one (an Idempotency-Key reused for other files)."""

    status_code = 409


class ModelUnavailableError(LexcrewError):
    """The model tier could not be loaded or did not answer."""

    status_code = 503


class ConfigurationError(LexcrewError):
    """A setting or a packaged resource is missing or wrong."""

    status_code = 500


class BudgetExceededError(LexcrewError):
    """A money or token cap would be overrun by the next model call."""

    status_code = 402

    def __init__(self, reason: str, scope: str = "call") -> None:
        super().__init__(reason)
        self.scope = scope  # call, document, batch or workspace_day


class InvalidRequestError(LexcrewError):
    """The request is well-formed but cannot be done as asked (e.g. a span not in the text)."""

    status_code = 422
