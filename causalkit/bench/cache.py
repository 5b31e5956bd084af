"""A resumable cache of model outputs: one JSON line per call, keyed by model, prompt and parameters.

Every completed call is appended and flushed at once, so an interrupted benchmark run resumes
where it stopped: rerunning it with the same cache file replays the stored replies and only calls
the model for the rest. A torn last line (the process killed mid-write) is ignored on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

__all__ = ["ResponseCache", "cache_key"]


def cache_key(model: str, prompt: Any, params: dict[str, Any] | None = None) -> str:
    """SHA-256 of the canonical JSON of ``(model, prompt, params)``.

    Examples
    --------
    >>> cache_key("m", [{"role": "user", "content": "hi"}]) == cache_key("m", [{"content": "hi", "role": "user"}])
    True
    """
    blob = json.dumps({"model": model, "prompt": prompt, "params": params or {}}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """JSONL-backed cache of model replies.

    Parameters
    ----------
    path : str or PathLike
        The cache file (created on the first write; parent directories too).

    Attributes
    ----------
    hits, misses : int
        Lookups served from the cache / not found, in this session.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._newline_first = False
        if self.path.is_file():
            with self.path.open("rb") as fb:
                fb.seek(0, os.SEEK_END)
                if fb.tell():
                    fb.seek(-1, os.SEEK_END)
                    self._newline_first = fb.read(1) != b"\n"  # a torn last line: start the next record afresh
            with self.path.open(encoding="utf-8") as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line torn by an interrupted write
                    if isinstance(rec, dict) and "key" in rec:
                        self._records[rec["key"]] = rec

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record for ``key`` (None if absent); counts a hit or a miss."""
        rec = self._records.get(key)
        if rec is None:
            self.misses += 1
        else:
            self.hits += 1
        return rec

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Store ``record`` under ``key`` and append it to the file immediately."""
        rec = {"key": key, **record}
        with self._lock:
            self._records[key] = rec
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                if self._newline_first:
                    f.write("\n")
                    self._newline_first = False
                f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
                f.flush()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r}, {len(self)} records)"
