"""What every command shares: the Typer app, the error console, settings."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from app.config import Settings
from app.errors import BadDocumentError, ConfigurationError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="lexcrew: contract review.")
console = Console(stderr=True)


def cli_settings() -> Settings:
    """The settings, checked for production mode, with the offline environment applied."""
    settings = Settings()
    from app.offline import apply_offline_environment
    from app.production import require_fit

    try:
        require_fit(settings)
    except ConfigurationError as exc:
        say_error(exc.reason)
        raise typer.Exit(code=2) from exc
    apply_offline_environment(settings)
    return settings


def say_error(message: str) -> None:
    """Print one red line; soft_wrap keeps a reason on one line whatever the terminal width."""
    console.print(f"[red]{escape(message)}[/]", soft_wrap=True)


def read_input(pdf: Path) -> bytes:
    try:
        return pdf.read_bytes()
    except OSError as exc:
        raise BadDocumentError(f"cannot read file ({exc.strerror or exc})") from exc
