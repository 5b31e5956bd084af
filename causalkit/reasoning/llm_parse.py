"""Model fallback for parsing: a chat model extracts the structured question as JSON.

The model only *reads* the text; the answer is still computed by the deterministic solver. Its JSON
is validated against :data:`~causalkit.reasoning.structured.CLADDER_SCHEMA` /
:data:`~causalkit.reasoning.structured.CORR2CAUSE_SCHEMA`; an invalid reply is sent back once with
the validation errors before giving up.
"""

from __future__ import annotations

import json
import re
from typing import Any

from causalkit.exceptions import InvalidInputError
from causalkit.reasoning.structured import CLADDER_SCHEMA, CORR2CAUSE_SCHEMA, validate_structured

__all__ = ["model_parse", "parse_prompt"]

_INSTRUCTIONS = {
    "cladder": (
        "Extract the causal question below into JSON with exactly these keys: kind (\"cladder\"), nodes, edges "
        "([cause, effect] pairs from 'has a direct effect on'), unobserved, probabilities (each {event: {var: 0/1}, "
        "given: {var: 0/1}, value: probability in [0,1]}), mechanisms (deterministic 'A or B causes C' rules: "
        "{target, target_value, op: and/or, inputs: [[var, value], ...]}), evidence ({var: 0/1}) and query "
        "({type: one of marginal, correlation, exp_away, ate, backadj, collider_bias, ett, nde, nie, "
        "det_counterfactual; treatment; outcome; x; y; collider; c; mediators; sets; x_factual; positive}). Name "
        "each variable once and code its two values as 1 and 0 (1 for the value named without negation). "
        "positive is true when the question asks about an increase / more likely / larger / positive effect / "
        "'affects' / Method 1 better than Method 2. Reply with the JSON object only."
    ),
    "corr2cause": (
        "Extract the question below into JSON with exactly these keys: kind (\"corr2cause\"), variables (in the "
        "order the premise lists them), facts (one string per statement, written 'A _||_ B | C, D' for an "
        "independence and 'A correlates with B' for a correlation), closure (true when the premise lists all "
        "the statistical relations) and hypothesis ({relation: parent, child, ancestor, descendant, confounder "
        "or collider; x; y} where parent(x, y) means x directly causes y and ancestor(x, y) means x causes y "
        "through a mediator). Reply with the JSON object only."
    ),
}


def parse_prompt(text: str, kind: str) -> list[dict]:
    """The chat messages that ask a model to extract the structure of ``text``."""
    schema = CLADDER_SCHEMA if kind == "cladder" else CORR2CAUSE_SCHEMA
    return [
        {"role": "system", "content": "You convert word problems into JSON that matches a JSON schema. You never answer the question."},
        {"role": "user", "content": f"{_INSTRUCTIONS[kind]}\n\nJSON schema:\n{json.dumps(schema)}\n\nText:\n{text}"},
    ]


def _extract_json(reply: str) -> Any:
    reply = re.sub(r"^```(?:json)?\s*|\s*```$", "", reply.strip(), flags=re.M)
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        raise InvalidInputError("The model's reply holds no JSON object.")
    try:
        return json.loads(reply[start:end + 1])
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"The model's reply is not valid JSON ({exc.msg}).") from None


def model_parse(text: str, model: Any, kind: str = "cladder", *, retries: int = 1, max_tokens: int = 1500) -> tuple[dict, dict]:
    """Ask ``model`` (an :class:`agent.llm.ChatModel`) for the structured question.

    Parameters
    ----------
    text : str
    model : ChatModel
        Any object with ``chat(messages, tools=None, temperature=..., max_tokens=...)`` returning an
        object with ``content`` and ``usage``.
    kind : {"cladder", "corr2cause"}
    retries : int
        How often an invalid reply is sent back with the validation error.
    max_tokens : int

    Returns
    -------
    structured : dict
    usage : dict
        Token counts summed over the calls.

    Raises
    ------
    InvalidInputError
        When no valid structure is obtained.
    """
    if kind not in _INSTRUCTIONS:
        raise InvalidInputError(f"`kind` must be 'cladder' or 'corr2cause'; got {kind!r}.")
    messages = parse_prompt(text, kind)
    usage: dict[str, float] = {}
    error = "no reply"
    for _ in range(retries + 1):
        reply = model.chat(messages, None, temperature=0.0, max_tokens=max_tokens)
        for k, v in (getattr(reply, "usage", None) or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                usage[k] = usage.get(k, 0) + v
        content = getattr(reply, "content", None) or ""
        try:
            d = _extract_json(content)
            if isinstance(d, dict):
                d.setdefault("kind", kind)
            return validate_structured(d), usage
        except InvalidInputError as exc:
            error = str(exc)
            messages = messages + [{"role": "assistant", "content": content},
                                   {"role": "user", "content": f"That is not valid: {error} Reply with the corrected JSON object only."}]
    raise InvalidInputError(f"The model could not extract the question's structure: {error}")
