"""Structured reports to the board (CA) and the board's answer back to the members."""
