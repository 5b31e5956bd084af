"""causalkit.identification."""
