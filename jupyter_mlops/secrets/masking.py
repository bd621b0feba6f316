"""Masking: every secret value in a text is written as `***`, as CI systems mask them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"


class Masker:
    """Replaces the given values (and their JSON-escaped forms) wherever they appear.

    Longest values first, so a value containing another is masked whole.
    """

    def __init__(self, values: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in values:
            if value:
                forms.add(value)
                forms.add(json.dumps(value)[1:-1])  # as it appears inside a JSON string
        self._pattern = (re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
                         if forms else None)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern is not None and text else text

    def value(self, value: Any) -> Any:
        """Mask every string inside a JSON-like value (dicts, lists, strings)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value
