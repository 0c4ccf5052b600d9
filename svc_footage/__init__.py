"""The footage stage: one background clip per query segment, from a local library or generated."""
