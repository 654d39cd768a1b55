import json
import threading

import pytest

from index.store import IndexStore


def make_version(store: IndexStore, label: str) -> str:
    name, path = store.new_version_dir()
    (path / "payload.json").write_text(json.dumps({"label": label}))
    store.commit(name, {"label": label})
    return name


def test_commit_swaps_pointer_and_keeps_previous_for_rollback(tmp_path):
    store = IndexStore(tmp_path, keep=3)
    assert store.current() is None
    v1 = make_version(store, "one")
    v2 = make_version(store, "two")
    assert store.current() == v2 and store.versions() == [v1, v2]
    assert store.rollback() == v1
    assert store.current() == v1
    with pytest.raises(ValueError):
        store.rollback()


def test_staged_version_is_invisible_until_committed(tmp_path):
    store = IndexStore(tmp_path)
    v1 = make_version(store, "one")
    name, path = store.new_version_dir()
    (path / "payload.json").write_text("{half")
    assert store.versions() == [v1] and store.current() == v1
    with pytest.raises(ValueError):
        store.set_current(name)


def test_prune_keeps_the_newest_and_the_live_version(tmp_path):
    store = IndexStore(tmp_path, keep=2)
    names = [make_version(store, str(i)) for i in range(4)]
    assert store.versions() == names[-2:]


def test_readers_never_see_a_half_built_version(tmp_path):
    store = IndexStore(tmp_path, keep=50)
    make_version(store, "0")
    stop = threading.Event()
    bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            cur = store.current()
            payload = store.path(cur) / "payload.json"
            try:
                json.loads(payload.read_text())
            except (OSError, ValueError) as exc:
                bad.append(f"{cur}: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(1, 40):
        make_version(store, str(i))
    stop.set()
    for t in threads:
        t.join()
    assert bad == []
