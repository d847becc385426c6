"""Community moderation: flags, hiding and restoring with a reason, held first posts, rate limits, public log."""
