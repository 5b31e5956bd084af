"""causalkit.scm."""
