"""lexcrew: self-hostable contract review with verifiable findings."""

__version__ = "0.1.0"
