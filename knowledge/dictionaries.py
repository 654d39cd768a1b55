"""The word lists in knowledge/dict: places, detail terms and synonyms, in one-line-per-item text files.

They are plain text so that non-programmers can edit them; errors name the file and line for the same
reason. A missing file is an empty list, so a deployment may leave out any of them.
"""

from __future__ import annotations

from pathlib import Path


def read_word_list(path: Path) -> list[str]:
    """Whitespace-separated words of a text file."""
    return [w for _, line in _dict_lines(path) for w in line.split()]


def read_details(path: Path) -> dict[str, dict[str, list[str]]]:
    """`name: asking words | evidence words` lines (see knowledge/dict/detail_terms.txt)."""
    out: dict[str, dict[str, list[str]]] = {}
    for n, line in _dict_lines(path):
        name, sep, rest = line.partition(":")
        ask, bar, evidence = rest.partition("|")
        if not sep or not bar or not ask.split() or not evidence.split():
            raise ValueError(f"{path}:{n}: expected 'name: asking words | evidence words'")
        out[name.strip()] = {"ask": ask.split(), "evidence": evidence.split()}
    return out


def read_synonyms(path: Path) -> dict[str, list[str]]:
    """`official term: everyday word …` lines → {everyday word: [official terms]} for query expansion."""
    out: dict[str, list[str]] = {}
    for n, line in _dict_lines(path):
        term, sep, words = line.partition(":")
        if not sep or not term.strip() or not words.split():
            raise ValueError(f"{path}:{n}: expected 'official term: everyday words'")
        for w in words.split():
            out.setdefault(w, []).append(term.strip())
    return out


def _dict_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of a dictionary file without blanks and '#' comments; missing file = none."""
    if not path.exists():
        return []
    return [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
