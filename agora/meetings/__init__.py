"""Local meetings before the General Assembly, run by regional relays (issue 5)."""
