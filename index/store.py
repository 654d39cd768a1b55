"""Versioned on-disk index: each build is a new directory; a pointer file names the live one.

The pointer is replaced with os.replace (atomic on POSIX), and it is written only after the version
directory is complete and fsynced, so a reader never sees a half-built index. Older versions stay
for rollback until more than `keep` exist.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

POINTER = "CURRENT"
VERSIONS = "versions"
# the knowledge fingerprint (knowledge.sources) the live version matches: `build --if-changed` skips on a match
STAMP = ".fingerprint"


class IndexStore:
    def __init__(self, root: Path, keep: int = 5):
        self.root = Path(root)
        self.keep = max(2, keep)
        self.versions_dir = self.root / VERSIONS

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if (p / "meta.json").is_file())

    def current(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.versions_dir / name / "meta.json").is_file() else None

    def path(self, version: str) -> Path:
        return self.versions_dir / version

    def meta(self, version: str) -> dict[str, Any]:
        return json.loads((self.path(version) / "meta.json").read_text(encoding="utf-8"))

    def new_version_dir(self) -> tuple[str, Path]:
        """A fresh staging directory; it becomes a version when `commit` writes its meta.json.

        Names are `v<sequence>-<UTC time>`: the sequence never repeats, so name order is build order.
        """
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        seqs = [int(p.name[1:7]) for p in self.versions_dir.iterdir() if p.name[:1] == "v" and p.name[1:7].isdigit()]
        seq = max(seqs, default=0) + 1
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        for n in range(seq, seq + 1000):
            path = self.versions_dir / f"v{n:06d}-{stamp}"
            try:
                path.mkdir()
                return path.name, path
            except FileExistsError:
                continue
        raise RuntimeError("could not allocate an index version directory")

    def commit(self, version: str, meta: dict[str, Any]) -> None:
        """Mark a staged version complete, then point readers at it."""
        path = self.path(version)
        for f in path.iterdir():
            _fsync(f)
        tmp = path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, path / "meta.json")
        self.set_current(version)
        self.prune()

    def set_current(self, version: str) -> None:
        if not (self.path(version) / "meta.json").is_file():
            raise ValueError(f"no complete index version {version!r}")
        # a name of its own: replicas on other machines share this directory, and may share a pid
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, self.root / POINTER)
        _fsync_dir(self.root)

    def rollback(self) -> str:
        """Point at the version before the current one; returns its name."""
        versions = self.versions()
        cur = self.current()
        if cur not in versions or versions.index(cur) == 0:
            raise ValueError("no earlier index version to roll back to")
        prev = versions[versions.index(cur) - 1]
        self.set_current(prev)
        return prev

    def prune(self) -> None:
        """Drop the oldest versions beyond `keep`, never the live one, and abandoned staging dirs."""
        cur = self.current()
        done = self.versions()
        for name in done[: max(0, len(done) - self.keep)]:
            if name != cur:
                shutil.rmtree(self.path(name), ignore_errors=True)
        cutoff = time.time() - 3600
        for p in self.versions_dir.iterdir():
            if not (p / "meta.json").exists() and p.stat().st_mtime < cutoff:
                shutil.rmtree(p, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:
        pass
