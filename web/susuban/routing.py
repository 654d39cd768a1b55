"""Complaint categories → the department that handles them (config/departments.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class Routing:
    """Category table from config/departments.yaml."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.categories: dict[str, dict[str, Any]] = data["categories"]
        self.default: str = data.get("default", next(iter(self.categories)))
        for name, c in self.categories.items():
            if not c.get("department"):
                raise ValueError(f"{path}: category {name!r} has no department")

    def department(self, category: str) -> str:
        return self.categories.get(category, self.categories[self.default])["department"]

    def suggest(self, text: str) -> str:
        """The category whose keywords the text mentions most (ties: table order)."""
        best, best_hits = self.default, 0
        for name, c in self.categories.items():
            hits = sum(1 for k in c.get("keywords", []) if k in text)
            if hits > best_hits:
                best, best_hits = name, hits
        return best
