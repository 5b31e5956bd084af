"""causalkit.datasets."""
