"""causalkit.refutation."""
