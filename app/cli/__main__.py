"""`python -m app.cli` runs the lexcrew command line."""

from app.cli.main import main

main()
