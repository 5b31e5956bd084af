"""Model backends behind :mod:`agent.llm` (OpenAI-compatible client, in-process transformers)."""

__all__: list[str] = []
