"""A language model wrapped once with stable, named hook points.

:class:`HookedModel` puts hook points on every layer's residual stream (before and after the
layer), attention output, per-head outputs, MLP output and the MLP's hidden activation. Hooks are
plain functions ``fn(activation, name) -> tensor | None`` (``None`` leaves the activation
unchanged); :meth:`HookedModel.hooks` registers them for the duration of a ``with`` block and
always removes them, even when the block raises.

Hook names (``l`` is the layer index, 0-based)::

    embed                   token embeddings (output of the input embedding)            (B, T, D)
    blocks.l.resid_pre      residual stream entering layer l                            (B, T, D)
    blocks.l.attn_in        input of the attention block's norm (writing it changes     (B, T, D)
                            only the attention input, not the residual stream)
    blocks.l.attn.head_out  per-head outputs z: input of the attention output           (B, T, H, d_head)
                            projection split by head; head h adds z_h @ W_O[h]
    blocks.l.attn_out       attention block output added to the residual stream         (B, T, D)
    blocks.l.mlp_in         input of the MLP's norm (changes only the MLP input)        (B, T, D)
    blocks.l.mlp_hidden     MLP hidden activation (input of its output projection)      (B, T, D_mlp)
    blocks.l.mlp_out        MLP output added to the residual stream                     (B, T, D)
    blocks.l.resid_post     residual stream leaving layer l                             (B, T, D)

Component names used by the patching and mediation functions are hook names, plus
``blocks.l.attn.head_out.h`` for one head.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.interp._arch import Architecture, architecture_for
from causalkit.interp._torch import torch

__all__ = ["HookedModel", "HookPoint", "ActivationCache", "HookFn"]

HookFn = Callable[[Any, str], Any]

_KINDS = ("resid_pre", "attn_in", "attn.head_out", "attn_out", "mlp_in", "mlp_hidden", "mlp_out",
          "resid_post")
_NAME_RE = re.compile(r"^blocks\.(\d+)\.(" + "|".join(re.escape(k) for k in _KINDS) + r")(?:\.(\d+))?$")
_PRE = {"resid_pre", "attn_in", "attn.head_out", "mlp_in", "mlp_hidden"}


class _StopForward(Exception):
    """Raised by a hook to end a forward pass early (nothing downstream is needed)."""


@dataclass(frozen=True)
class HookPoint:
    """A parsed hook or component name: ``layer``, ``kind`` and, for one head, ``head``."""

    name: str
    kind: str
    layer: int | None = None
    head: int | None = None

    @property
    def hook_name(self) -> str:
        """The hook name without the head suffix."""
        return "embed" if self.kind == "embed" else f"blocks.{self.layer}.{self.kind}"


class ActivationCache(dict):
    """Activations by hook name (a dict whose missing keys raise a clear :class:`UnknownNodeError`)."""

    def __missing__(self, key: str) -> Any:
        shown = ", ".join(list(self)[:8])
        raise UnknownNodeError(
            f"Activation {key!r} is not in the cache. Cached: {shown}{' ...' if len(self) > 8 else ''}. "
            "Pass its name in `names=` to run_with_cache."
        )


class _PassThrough(torch.nn.Module):
    """Stands in for a skipped decoder layer: returns its input unchanged."""

    def __init__(self, original: Any, tuple_output: bool):
        super().__init__()
        self.tuple_output = tuple_output
        if hasattr(original, "attention_type"):
            self.attention_type = original.attention_type

    def forward(self, hidden_states: Any = None, *args: Any, **kwargs: Any) -> Any:
        return (hidden_states,) if self.tuple_output else hidden_states


def _replace_first(args: tuple, kwargs: dict, value: Any) -> tuple[tuple, dict]:
    if args:
        return (value,) + tuple(args[1:]), kwargs
    key = "hidden_states" if "hidden_states" in kwargs else next(iter(kwargs))
    return args, {**kwargs, key: value}


def _first(args: tuple, kwargs: dict) -> Any:
    if args:
        return args[0]
    return kwargs["hidden_states"] if "hidden_states" in kwargs else next(iter(kwargs.values()))


class HookedModel:
    """A Hugging Face causal LM with named hook points on every component.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A causal LM of a supported family (Llama/SmolLM2, Qwen2, Mistral, GPT-2 style). It is put
        in evaluation mode.
    tokenizer : transformers tokenizer, optional
        Needed only for text input; without one, pass token ids (tensors or lists of ints).
    name : str, optional
        A label recorded in results.

    Examples
    --------
    >>> hm = HookedModel(model, tokenizer)                                 # doctest: +SKIP
    >>> logits, cache = hm.run_with_cache("The Eiffel Tower is in",
    ...                                   names=["blocks.3.resid_post"])    # doctest: +SKIP
    >>> with hm.hooks([("blocks.3.mlp_out", lambda x, name: 0 * x)]):      # doctest: +SKIP
    ...     ablated = hm.logits("The Eiffel Tower is in")
    """

    def __init__(self, model: Any, tokenizer: Any = None, *, name: str | None = None):
        self.arch: Architecture = architecture_for(model)
        self.model = model.eval()
        self.tokenizer = tokenizer
        cfg = model.config
        self.name = name or str(getattr(cfg, "_name_or_path", "") or self.arch.family)
        self.n_layers = len(self.arch.layer_list(model))
        self.n_heads = int(getattr(cfg, "num_attention_heads", None) or cfg.n_head)
        self.d_model = int(getattr(cfg, "hidden_size", None) or cfg.n_embd)
        self.d_head = int(getattr(cfg, "head_dim", None) or self.d_model // self.n_heads)
        self._tuple_output: bool | None = None
        self.hook_names: tuple[str, ...] = ("embed",) + tuple(
            f"blocks.{layer}.{kind}" for layer in range(self.n_layers) for kind in _KINDS
        )

    def __repr__(self) -> str:
        return (f"HookedModel({self.name!r}, family={self.arch.family!r}, layers={self.n_layers}, "
                f"heads={self.n_heads}, d_model={self.d_model})")

    # ------------------------------------------------------------------ names and modules
    @property
    def device(self) -> Any:
        """Device of the model's parameters."""
        return next(self.model.parameters()).device

    def parse(self, name: str, *, allow_head: bool = False) -> HookPoint:
        """Parse a hook (or, with ``allow_head``, a component) name.

        Raises
        ------
        UnknownNodeError
            For a name that is not a hook point of this model; the message lists valid forms.
        """
        if name == "embed":
            return HookPoint(name, "embed")
        match = _NAME_RE.match(name) if isinstance(name, str) else None
        if match is None or (match.group(3) is not None and (not allow_head or match.group(2) != "attn.head_out")):
            forms = ", ".join(f"blocks.{{l}}.{k}" for k in _KINDS)
            extra = " or blocks.{l}.attn.head_out.{h} for one head" if allow_head else ""
            raise UnknownNodeError(
                f"Unknown hook name {name!r}. Valid names are 'embed', {forms}{extra}, "
                f"with l in 0..{self.n_layers - 1}."
            )
        layer, kind = int(match.group(1)), match.group(2)
        head = None if match.group(3) is None else int(match.group(3))
        if layer >= self.n_layers:
            raise UnknownNodeError(f"Hook name {name!r} refers to layer {layer}, but the model has "
                                   f"{self.n_layers} layers (0..{self.n_layers - 1}).")
        if head is not None and head >= self.n_heads:
            raise UnknownNodeError(f"Component {name!r} refers to head {head}, but layer {layer} has "
                                   f"{self.n_heads} heads (0..{self.n_heads - 1}).")
        return HookPoint(name, kind, layer, head)

    def _module(self, hp: HookPoint) -> tuple[Any, str]:
        """Module carrying a hook point and whether it reads the module's input ("pre") or output."""
        if hp.kind == "embed":
            return self.arch.get(self.model, self.arch.embed), "post"
        layer = self.arch.layer_list(self.model)[hp.layer]
        path = {"resid_pre": None, "resid_post": None, "attn_in": self.arch.attn_norm,
                "attn.head_out": self.arch.o_proj, "attn_out": self.arch.attn, "mlp_in": self.arch.mlp_norm,
                "mlp_hidden": self.arch.mlp_out_proj, "mlp_out": self.arch.mlp}[hp.kind]
        module = layer if path is None else self.arch.get(layer, path)
        return module, "pre" if hp.kind in _PRE else "post"

    # ------------------------------------------------------------------ weights
    def W_O(self, layer: int) -> Any:
        """Attention output weights of a layer as ``(n_heads, d_head, d_model)``."""
        proj = self.arch.get(self.arch.layer_list(self.model)[layer], self.arch.o_proj)
        return self.arch.linear_weight(proj).reshape(self.n_heads, self.d_head, -1)

    def b_O(self, layer: int) -> Any:
        """Bias of the attention output projection (zeros where there is none)."""
        proj = self.arch.get(self.arch.layer_list(self.model)[layer], self.arch.o_proj)
        bias = getattr(proj, "bias", None)
        return torch.zeros(self.d_model, device=self.device) if bias is None else bias

    def W_out(self, layer: int) -> Any:
        """MLP output weights as ``(d_mlp, d_model)`` (``mlp_out = mlp_hidden @ W_out + b``)."""
        proj = self.arch.get(self.arch.layer_list(self.model)[layer], self.arch.mlp_out_proj)
        return self.arch.linear_weight(proj)

    def head_contributions(self, layer: int, z: Any) -> Any:
        """Per-head contributions ``z_h @ W_O[h]`` to the residual stream, ``(B, T, H, d_model)``.

        Their sum over heads plus :meth:`b_O` equals ``blocks.{layer}.attn_out``.
        """
        return torch.einsum("bthd,hdm->bthm", z, self.W_O(layer).to(z.dtype))

    def embedding_matrix(self) -> Any:
        """The input token-embedding matrix ``(vocab, d_model)``."""
        return self.model.get_input_embeddings().weight

    # ------------------------------------------------------------------ tokens
    def _need_tokenizer(self) -> Any:
        if self.tokenizer is None:
            raise InvalidInputError("This HookedModel has no tokenizer: pass token ids (a LongTensor or "
                                    "lists of ints) instead of text, or wrap the model with its tokenizer.")
        return self.tokenizer

    def to_tokens(self, inputs: Any) -> Any:
        """Token ids ``(B, T)`` of text, a list of texts of equal token length, or ids.

        Raises
        ------
        InvalidInputError
            When texts tokenize to different lengths (patching needs aligned positions).
        """
        if isinstance(inputs, torch.Tensor):
            tokens = inputs.long()
            return (tokens[None] if tokens.ndim == 1 else tokens).to(self.device)
        if isinstance(inputs, str):
            inputs = [inputs]
        inputs = list(inputs)
        if inputs and all(isinstance(x, (list, tuple)) for x in inputs):
            ids = [list(map(int, x)) for x in inputs]
        elif inputs and all(isinstance(x, int) for x in inputs):
            ids = [list(inputs)]
        elif inputs and all(isinstance(x, str) for x in inputs):
            tok = self._need_tokenizer()
            ids = [tok(text)["input_ids"] for text in inputs]
        else:
            raise InvalidInputError("Inputs must be a string, a list of strings, a LongTensor or lists of token ids.")
        lengths = sorted({len(x) for x in ids})
        if len(lengths) > 1:
            raise InvalidInputError(
                f"The prompts tokenize to different lengths {lengths}; a batch needs equal lengths. "
                "Group prompts by length or reword them (see causalkit.interp.datasets.equal_length)."
            )
        return torch.tensor(ids, dtype=torch.long, device=self.device)

    def to_str_tokens(self, tokens: Any) -> list[str]:
        """The tokens of one prompt as strings (``"#<id>"`` without a tokenizer)."""
        ids = self.to_tokens(tokens)[0].tolist()
        if self.tokenizer is None:
            return [f"#{i}" for i in ids]
        return [self.tokenizer.decode([i]) for i in ids]

    def answer_token(self, answer: str | int) -> tuple[int, int]:
        """First token id of an answer continuation and the answer's number of tokens.

        The answer is a literal continuation: include the leading space (``" Paris"``).
        """
        if isinstance(answer, (int,)) and not isinstance(answer, bool):
            return int(answer), 1
        ids = self._need_tokenizer()(answer, add_special_tokens=False)["input_ids"]
        if not ids:
            raise InvalidInputError(f"The answer {answer!r} tokenizes to nothing.")
        return int(ids[0]), len(ids)

    # ------------------------------------------------------------------ hooks
    def _wrap(self, hp: HookPoint, fn: HookFn) -> Any:
        module, where = self._module(hp)
        heads = hp.kind == "attn.head_out"

        def view(x: Any) -> Any:
            return x.reshape(*x.shape[:-1], self.n_heads, self.d_head) if heads else x

        def apply(x: Any) -> Any:
            out = fn(view(x), hp.name)
            if out is None:
                return None
            if tuple(out.shape) != tuple(view(x).shape):
                raise InvalidInputError(f"The hook on {hp.name!r} returned shape {tuple(out.shape)}; "
                                        f"expected {tuple(view(x).shape)}.")
            return out.reshape(x.shape) if heads else out

        if where == "pre":
            def pre_hook(_module: Any, args: tuple, kwargs: dict) -> Any:
                new = apply(_first(args, kwargs))
                return None if new is None else _replace_first(args, kwargs, new)

            return module.register_forward_pre_hook(pre_hook, with_kwargs=True)

        def post_hook(_module: Any, _args: tuple, output: Any) -> Any:
            is_tuple = isinstance(output, tuple)
            new = apply(output[0] if is_tuple else output)
            if new is None:
                return None
            return (new,) + tuple(output[1:]) if is_tuple else new

        return module.register_forward_hook(post_hook)

    @contextmanager
    def hooks(self, fwd_hooks: Iterable[tuple[str, HookFn]] = ()) -> Iterator[HookedModel]:
        """Register forward hooks for the duration of a ``with`` block; always removes them.

        Parameters
        ----------
        fwd_hooks : iterable of (name, fn)
            ``fn(activation, name)`` returns a replacement tensor of the same shape or ``None``.

        Raises
        ------
        UnknownNodeError
            For an unknown hook name (before any hook is registered).
        """
        pairs = [(self.parse(name), fn) for name, fn in fwd_hooks]
        handles = []
        try:
            for hp, fn in pairs:
                handles.append(self._wrap(hp, fn))
            yield self
        finally:
            for handle in handles:
                handle.remove()

    @contextmanager
    def patch(self, name: str, value: Any, positions: Sequence[int] | None = None) -> Iterator[HookedModel]:
        """Intervention ``do(name := value)`` (at ``positions`` only, if given) inside a ``with`` block."""
        def fn(x: Any, _name: str) -> Any:
            new = x.clone()
            v = torch.as_tensor(value, dtype=x.dtype, device=x.device)
            if positions is None:
                new[...] = v.expand_as(new) if v.ndim else v
            else:
                idx = torch.as_tensor(list(positions), device=x.device)
                new[:, idx] = v[:, idx] if v.ndim == x.ndim else v
            return new

        with self.hooks([(name, fn)]):
            yield self

    @contextmanager
    def add(self, name: str, vector: Any, positions: Sequence[int] | None = None,
            scale: float = 1.0) -> Iterator[HookedModel]:
        """Intervention adding ``scale * vector`` to an activation (steering) inside a ``with`` block."""
        def fn(x: Any, _name: str) -> Any:
            v = scale * torch.as_tensor(vector, dtype=x.dtype, device=x.device)
            if positions is None:
                return x + v
            new = x.clone()
            idx = torch.as_tensor(list(positions), device=x.device)
            new[:, idx] = new[:, idx] + v
            return new

        with self.hooks([(name, fn)]):
            yield self

    # ------------------------------------------------------------------ running
    def _layers_return_tuple(self) -> bool:
        if self._tuple_output is None:
            seen: list[bool] = []
            layer0 = self.arch.layer_list(self.model)[0]
            handle = layer0.register_forward_hook(lambda m, a, out: seen.append(isinstance(out, tuple)))
            try:
                with torch.no_grad():
                    self.model.base_model(input_ids=torch.zeros(1, 1, dtype=torch.long, device=self.device),
                                          use_cache=False)
            finally:
                handle.remove()
            self._tuple_output = bool(seen and seen[0])
        return self._tuple_output

    @contextmanager
    def _start_at(self, layer: int, resid: Any) -> Iterator[None]:
        """Skip layers ``< layer``: layer ``layer`` (or the final norm) receives ``resid`` as input."""
        layers = self.arch.layer_list(self.model)
        originals = [layers[i] for i in range(layer)]
        tuple_output = self._layers_return_tuple() if layer else False
        entry = layers[layer] if layer < self.n_layers else self.arch.get(self.model, self.arch.final_norm)
        handle = entry.register_forward_pre_hook(lambda m, a, kw: _replace_first(a, kw, resid), with_kwargs=True)
        try:
            for i, original in enumerate(originals):
                layers[i] = _PassThrough(original, tuple_output)
            yield
        finally:
            handle.remove()
            for i, original in enumerate(originals):
                layers[i] = original

    def entry_module(self, layer: int) -> Any:
        """The module whose input is the residual stream entering ``layer`` (the final norm for ``n_layers``)."""
        if layer < self.n_layers:
            return self.arch.layer_list(self.model)[layer]
        return self.arch.get(self.model, self.arch.final_norm)

    @contextmanager
    def _module_pre_hooks(self, hooks: Iterable[tuple[Any, Callable]]) -> Iterator[None]:
        handles = []
        try:
            for module, fn in hooks:
                handles.append(module.register_forward_pre_hook(fn, with_kwargs=True))
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _cache_kwarg(self) -> str:
        params = inspect.signature(self.model.base_model.forward).parameters
        return "cache" if "cache" in params else "past_key_values"

    def _run(self, tokens: Any, *, fwd_hooks: Iterable[tuple[str, HookFn]] = (),
             start: tuple[int, Any] | None = None, last_only: bool = True, grad: bool = False,
             module_pre_hooks: Iterable[tuple[Any, Callable]] = (), kv_cache: Any = None,
             logit_tokens: Any = None) -> Any:
        """Forward pass returning logits (last position only by default), or ``None`` if stopped early.

        ``start=(layer, resid)`` runs only layers ``>= layer`` from the residual stream ``resid``;
        the layers below are not recomputed. ``kv_cache`` supplies keys/values of earlier positions
        (``tokens`` then holds only the later positions). ``logit_tokens`` restricts the returned
        logits to those vocabulary entries.
        """
        if start is not None and start[0] > 0:
            self._layers_return_tuple()  # probe once, before any hook is registered
        kwargs: dict[str, Any] = {"use_cache": False}
        if kv_cache is not None:
            kwargs = {self._cache_kwarg(): kv_cache, "use_cache": True}
        # the start replaces the entry layer's input first; hooks registered later see the replacement
        with torch.set_grad_enabled(grad), (self._start_at(*start) if start is not None else nullcontext()), \
                self.hooks(fwd_hooks), self._module_pre_hooks(module_pre_hooks):
            try:
                out = self.model.base_model(input_ids=tokens, **kwargs)
            except _StopForward:
                return None
            hidden = out[0]
            if last_only:
                hidden = hidden[:, -1]
            return self._unembed(hidden, logit_tokens)

    def _unembed(self, hidden: Any, tokens: Any = None) -> Any:
        """Logits of ``hidden``; only the vocabulary entries ``tokens`` (in that order) if given."""
        head = self.model.get_output_embeddings()
        if tokens is None:
            return head(hidden)
        bias = getattr(head, "bias", None)
        return torch.nn.functional.linear(hidden, head.weight[tokens], None if bias is None else bias[tokens])

    def logits(self, inputs: Any, *, last_only: bool = False) -> Any:
        """Logits ``(B, T, V)`` (or ``(B, V)`` at the last position) of text or token ids."""
        return self._run(self.to_tokens(inputs), last_only=last_only)

    def run_with_cache(self, inputs: Any, names: Iterable[str] | Callable[[str], bool] | None = None, *,
                       fwd_hooks: Iterable[tuple[str, HookFn]] = (), last_only: bool = False,
                       grad: bool = False) -> tuple[Any, ActivationCache]:
        """Run the model and return its logits and the named activations.

        Parameters
        ----------
        inputs : str, list of str, LongTensor or lists of token ids
        names : iterable of str or callable, optional
            Hook names to cache (default: all); a callable selects names by predicate.
        fwd_hooks : iterable of (name, fn)
            Interventions applied during the run (cached values are after the interventions).
        last_only : bool
            Return logits at the last position only, ``(B, V)``.
        grad : bool
            Keep the autograd graph (activations are then not detached).

        Returns
        -------
        logits : torch.Tensor
        cache : ActivationCache
        """
        if names is None:
            wanted = list(self.hook_names)
        elif callable(names):
            wanted = [n for n in self.hook_names if names(n)]
        else:
            wanted = [self.parse(n).name for n in ([names] if isinstance(names, str) else names)]
        cache = ActivationCache()

        def make(name: str) -> HookFn:
            def store(x: Any, _name: str) -> None:
                cache[name] = x if grad else x.detach()
            return store

        logits = self._run(self.to_tokens(inputs), fwd_hooks=list(fwd_hooks) + [(n, make(n)) for n in wanted],
                           last_only=last_only, grad=grad)
        return logits, cache
