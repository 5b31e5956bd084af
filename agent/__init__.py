"""The causalkit agent: natural-language causal questions answered with causalkit tools."""
