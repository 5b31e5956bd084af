"""causalkit.estimation."""
