"""A bounded LRU of verdicts: the same answer text to the same question gives the same verdict.

Verdicts are deterministic (the sample points are seeded by both sides, see
:mod:`derive.answers.equivalence`), so a repeated answer -- many students typing the same thing
-- need not be checked twice. ``undecided`` verdicts (time limits) are never kept.
"""

from __future__ import annotations

import json
from collections import OrderedDict


class VerdictCache:
    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict[str, dict] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(kind: str, payload: dict) -> str:
        return json.dumps([kind, payload], sort_keys=True, ensure_ascii=False)

    def get(self, key: str) -> dict | None:
        value = self.data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: str, value: dict) -> None:
        if self.size <= 0 or value.get("verdict") == "undecided":
            return
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)
