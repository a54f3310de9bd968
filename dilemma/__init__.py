"""Moscow's Dilemma: shared code for the report's notebooks, checks and build."""
