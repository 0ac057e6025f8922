"""Intake of untrusted uploads: zip archives opened in memory, PDFs probed in a sandbox."""
