"""Loaders for user copies of the public Corr2Cause and CLadder test sets (nothing is downloaded).

Expected fields
---------------
**Corr2Cause** (Jin et al. 2023, github.com/causalNLP/corr2cause; also on Hugging Face as
``causalnlp/corr2cause``):

* CSV / JSONL / Parquet-exported CSV with ``input`` (``"Premise: ...\\nHypothesis: ..."``) and
  ``label`` (1 = valid, 0 = invalid); optional ``num_variables``, ``template``, ``id``.
* JSON list (the ``data_3class`` files) with ``premise``, ``hypothesis``, ``relation``
  (``entailment`` / ``neutral`` / ``contradiction``; only ``entailment`` is "yes") and ``id``
  (``...__causal_relation=<type>__...`` gives the category).

**CLadder** (Jin et al. 2023, github.com/causalNLP/cladder; ``cladder-v1-*.json``):

* JSON list (or JSONL) of questions with ``question_id``, ``given_info``, ``question``, ``answer``
  (yes/no) and ``meta`` (``query_type``, ``rung``, ``graph_id``, ``model_id``, ...). The background
  (the causal graph in words) is taken from the item's ``background`` field, ``meta["background"]``,
  or - given ``models_path`` (``cladder-v1-meta-models.json``) - from the model with the item's
  ``meta["model_id"]``. Records with a ready ``prompt`` field (and ``label``) are used as they are.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any

from causalkit.bench.items import Item, read_jsonl
from causalkit.exceptions import InvalidInputError

__all__ = ["load_items", "load_corr2cause", "load_cladder", "FORMATS"]

FORMATS = ("auto", "jsonl", "corr2cause", "cladder")
_CATEGORY = {"parent": "parent", "non-parent_ancestor": "ancestor", "child": "child", "non-child_descendant": "descendant",
             "has_collider": "collider", "has_confounder": "confounder"}


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    text = path.read_text(encoding="utf-8")
    if suffix == ".jsonl" or (suffix != ".json" and not text.lstrip().startswith("[")):
        out = []
        for k, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InvalidInputError(f"{path}, line {k}: not valid JSON ({exc.msg}).") from None
        return out
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid JSON ({exc.msg}).") from None
    if isinstance(data, dict):
        data = data.get("data") or data.get("questions") or list(data.values())
    if not isinstance(data, list):
        raise InvalidInputError(f"{path}: expected a list of records.")
    return data


def load_corr2cause(path: str | os.PathLike, limit: int | None = None) -> list[Item]:
    """Read a Corr2Cause file (see the module docstring for the fields)."""
    from causalkit.reasoning.parse_corr2cause import parse_hypothesis, split_input

    items = []
    for k, r in enumerate(_records(Path(path))):
        if "input" in r:
            text, label = r["input"], r.get("label")
            premise, hyp = split_input(text)
        elif "premise" in r and "hypothesis" in r:
            premise, hyp = r["premise"], r["hypothesis"]
            text = f"Premise: {premise}\nHypothesis: {hyp}"
            label = r.get("label", r.get("relation"))
        else:
            raise InvalidInputError(f"Corr2Cause record {k} needs 'input' and 'label', or 'premise', 'hypothesis' and 'relation'.")
        if label is None:
            raise InvalidInputError(f"Corr2Cause record {k} has no label.")
        rid = str(r.get("id", k))
        tagged = [part.split("=", 1)[1] for part in rid.split("__") if part.startswith("causal_relation=")]
        if tagged:
            category = _CATEGORY.get(tagged[0], tagged[0])
        else:
            try:
                category = parse_hypothesis(hyp or "").relation
            except InvalidInputError:
                category = "unknown"
        nv = r.get("num_variables")
        if nv in (None, ""):
            found = re.search(r"closed system of (\d+) variables", premise)
            nv = int(found.group(1)) if found else None
        meta = {"dataset": "corr2cause", "category": category, "num_variables": None if nv is None else int(nv)}
        if r.get("template"):
            meta["template"] = r["template"]
        items.append(Item(rid, text, label, meta))
        if limit is not None and len(items) >= limit:
            break
    return items


def _backgrounds(models_path: str | os.PathLike | None) -> dict[str, str]:
    if models_path is None:
        return {}
    out = {}
    for m in _records(Path(models_path)):
        if isinstance(m, dict) and "model_id" in m and m.get("background"):
            out[str(m["model_id"])] = m["background"]
    return out


def load_cladder(path: str | os.PathLike, models_path: str | os.PathLike | None = None, limit: int | None = None) -> list[Item]:
    """Read a CLadder question file (see the module docstring for the fields)."""
    backgrounds = _backgrounds(models_path)
    items = []
    for k, r in enumerate(_records(Path(path))):
        meta = dict(r.get("meta") or {})
        rid = str(r.get("question_id", r.get("id", k)))
        label = r.get("answer", r.get("label"))
        if label is None:
            raise InvalidInputError(f"CLadder record {rid} has no 'answer'.")
        if r.get("prompt"):
            text = r["prompt"]
        else:
            if "question" not in r:
                raise InvalidInputError(f"CLadder record {rid} needs 'question' (and 'given_info'), or 'prompt'.")
            bg = r.get("background") or meta.get("background") or backgrounds.get(str(meta.get("model_id")), "")
            text = "\n\n".join(p for p in (bg, r.get("given_info", ""), r["question"]) if p)
        category = meta.get("query_type", r.get("query_type", "all"))
        info = {"dataset": "cladder", "category": str(category).replace("-", "_"),
                "rung": meta.get("rung", r.get("rung")), "graph": meta.get("graph_id", r.get("graph_id"))}
        items.append(Item(rid, text, label, info))
        if limit is not None and len(items) >= limit:
            break
    return items


def load_items(path: str | os.PathLike, fmt: str = "auto", *, models_path: str | os.PathLike | None = None,
               limit: int | None = None) -> list[Item]:
    """Load items from our JSONL, a Corr2Cause file or a CLadder file.

    ``fmt="auto"`` reads a JSONL whose records have ``question`` and ``answer`` as items, records
    with ``input``/``premise`` as Corr2Cause and records with ``given_info``/``meta``/``prompt`` as CLadder.
    """
    if fmt not in FORMATS:
        raise InvalidInputError(f"`fmt` must be one of {FORMATS}; got {fmt!r}.")
    if fmt == "corr2cause":
        return load_corr2cause(path, limit)
    if fmt == "cladder":
        return load_cladder(path, models_path, limit)
    if fmt == "jsonl":
        items = read_jsonl(path)
        return items[:limit] if limit is not None else items
    records = _records(Path(path))
    if not records:
        raise InvalidInputError(f"{path} holds no records.")
    first = records[0]
    if "input" in first or "premise" in first:
        return load_corr2cause(path, limit)
    if "given_info" in first or "meta" in first or "prompt" in first:
        return load_cladder(path, models_path, limit)
    items = [Item.from_dict(r, k) for k, r in enumerate(records)]
    return items[:limit] if limit is not None else items
