"""Developer tools run against a live stack: chat evaluation, multi-turn evaluation and load, security battery."""
