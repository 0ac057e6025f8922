"""What lexcrew keeps under its data dir."""
