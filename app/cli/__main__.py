"""`python -m app.cli` runs the lexcrew command line."""

from app.cli.main import main

# Guarded: spawned child processes (the PDF sandbox) import the main module again.
if __name__ == "__main__":
    main()
