"""The one settings loader: `config/settings.yaml`, overridden by `XHA_<SECTION>__<KEY>` env vars.

Both runtimes (3.11 web/index, 3.10 Rasa actions) import this module, so it needs only PyYAML.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = Path(__file__).resolve().parent / "settings.yaml"
ENV_PREFIX = "XHA_"


def _coerce(raw: str, current: Any) -> Any:
    """Env vars are strings; give them the type of the value they replace."""
    if isinstance(current, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(current, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            return float(raw)
    if isinstance(current, float):
        return float(raw)
    return raw


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings as nested dicts with env overrides applied."""
    env = os.environ if environ is None else environ
    path = Path(env.get(f"{ENV_PREFIX}SETTINGS", path or SETTINGS_FILE))
    with open(path, encoding="utf-8") as fh:
        settings: dict[str, Any] = yaml.safe_load(fh) or {}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        section, _, name = key[len(ENV_PREFIX):].lower().partition("__")
        block = settings.setdefault(section, {})
        block[name] = _coerce(raw, block.get(name))
    return settings


def resolve_path(value: str | os.PathLike[str]) -> Path:
    """Resolve a settings path relative to the repository root."""
    p = Path(value)
    return p if p.is_absolute() else ROOT / p
