"""Forums: spaces by theme, region, college and trade sector; threads, replies, quotes, live updates."""
