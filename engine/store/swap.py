"""Replace an on-disk store's directory all at once: the new store is written beside it, then switched in by
renames, so that a crash (kill -9, power loss) at any moment leaves the old store or the new one, never a mix.

Beside the store directory ``DIR`` (same parent, so renames stay on one file system):

* ``.DIR.building``: the new store while it is written; incomplete by definition (removed by :func:`recover`);
* ``.DIR.ready``: the new store, complete and synced to disk. Renaming ``.building`` to ``.ready`` is the commit;
* ``.DIR.retired``: the old store between the switch and its deletion.

After the commit, :func:`switch` renames ``DIR`` to ``.retired`` and ``.ready`` to ``DIR``, then deletes
``.retired``. :func:`recover` (run at every open, once the opener holds the store's lock) finishes whatever a
crash interrupted: it deletes ``.building``, completes a pending switch from ``.ready`` and deletes ``.retired``.
Every step is idempotent. Only one process may write a store (RocksDB's lock on ``DIR``); a writer holds it
while building, so nobody else touches these directories meanwhile.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable


def _beside(store_dir: Path, state: str) -> Path:
    return store_dir.parent / f".{store_dir.name}.{state}"


def building_dir(store_dir: Path) -> Path:
    """Where the new store is written (emptied first)."""
    path = _beside(store_dir, "building")
    shutil.rmtree(path, ignore_errors=True)
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(store_dir: Path) -> None:
    """Sync the finished ``.building`` store to disk and mark it ready (the point of no return)."""
    building = _beside(store_dir, "building")
    for root, _dirs, files in os.walk(building):
        for name in files:
            _fsync(Path(root) / name)
        _fsync(Path(root))
    os.rename(building, _beside(store_dir, "ready"))
    _fsync(store_dir.parent)


def switch(store_dir: Path) -> None:
    """Put a ready store in place of ``store_dir`` (the old one must be closed) and delete the old one."""
    ready, retired = _beside(store_dir, "ready"), _beside(store_dir, "retired")
    if ready.is_dir():
        if store_dir.exists():
            shutil.rmtree(retired, ignore_errors=True)
            os.rename(store_dir, retired)
        os.rename(ready, store_dir)
        _fsync(store_dir.parent)
    shutil.rmtree(retired, ignore_errors=True)


def recover(store_dir: Path, close: Callable[[], None]) -> bool:
    """Finish or undo what a crash interrupted. The caller has ``store_dir`` open (so holds its lock: nobody else
    is building or switching). Returns True when a pending switch was completed: ``close`` was called first and
    the caller must open the store again."""
    shutil.rmtree(_beside(store_dir, "building"), ignore_errors=True)
    if _beside(store_dir, "ready").is_dir():
        close()
        switch(store_dir)
        return True
    shutil.rmtree(_beside(store_dir, "retired"), ignore_errors=True)
    return False


def complete_if_missing(store_dir: Path) -> None:
    """A crash between the two renames of :func:`switch` leaves no ``store_dir``: complete it before opening
    (which would otherwise create an empty store there)."""
    if not store_dir.exists() and _beside(store_dir, "ready").is_dir():
        try:
            switch(store_dir)
        except FileNotFoundError:   # another process completed it first
            pass


def abandon(store_dir: Path) -> None:
    """Delete an unfinished ``.building`` store (after an error while writing it)."""
    shutil.rmtree(_beside(store_dir, "building"), ignore_errors=True)
