"""The model gateway: every model call of every agent goes through here."""
