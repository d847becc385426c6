"""What proposals, forums and moderation share: scopes, text rules, the search index, diffs, fan-out."""
