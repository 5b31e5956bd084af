"""causalkit.mediation."""
