"""The next run's build, copied in the background after a publish, so that no evening waits for a whole-file copy.

A run builds in a private copy of the published warehouse (publishing.py): readers never share a file with the
writer. At 8,000 symbols that copy is 4.8 GB, and writing its pages back to disk (the publish's fsync) is most of
what a one-day run spends outside its own work. Daily runs are a day apart: right after a publish, a detached
process copies the new published file to the next build's place and syncs it, and the next run takes it with one
rename, unless the published file changed since (a run that wrote it, or a conversion), which its identity tells.

A copier that is still writing when the next run starts is waited for (it holds an fcntl lock the publishing run
took and handed down; the next run waits on it with `filelock`); one that died leaves a half copy the next run
deletes before copying the published file itself, as it always could. The disk holds two copies of the warehouse
between runs, as it did during one (`prepare_next_build=False` in the warehouse resource leaves one).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from filelock import FileLock, Timeout

from orchestration.settings import retired_path_for

# the copy of 4.8 GB takes seconds; a copier stuck much longer (a hung network disk) is not waited for
WAIT_FOR_COPIER_S = 600.0


def next_build_path(published: Path) -> Path:
    """warehouse/stresswatch.duckdb -> warehouse/stresswatch.next-build.duckdb"""
    return published.with_name(f"{published.stem}.next-build{published.suffix}")


def _sidecar(spare: Path) -> Path:
    return spare.with_name(spare.name + ".json")


def copier_lock_path(spare: Path) -> Path:
    """warehouse/stresswatch.next-build.duckdb -> warehouse/stresswatch.next-build.lock"""
    return spare.with_suffix(".lock")


def _lock(spare: Path) -> FileLock:
    return FileLock(str(copier_lock_path(spare)))


def _copying(spare: Path) -> Path:
    return spare.with_name(spare.name + ".copying")


def identity(path: Path) -> dict[str, int]:
    """What changes when a file is replaced (a rename brings another inode) or written (size, modification time)."""
    stat = path.stat()
    return {"device": stat.st_dev, "inode": stat.st_ino, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def published_identity(published: Path) -> dict[str, int] | None:
    """The identity of the published file, None while there is none."""
    return identity(published) if published.exists() else None


def _remove(spare: Path) -> None:
    for path in (spare, _copying(spare), _sidecar(spare)):
        path.unlink(missing_ok=True)


def _copy_locked(published: Path) -> bool:
    spare = next_build_path(published)
    _remove(spare)
    before = identity(published)
    try:
        shutil.copyfile(published, _copying(spare))
        with open(_copying(spare), "rb+") as handle:
            os.fsync(handle.fileno())  # written back now, not by the next run's publish
    except OSError:
        _remove(spare)  # a full disk must not stay full because of a half copy
        raise
    if identity(published) != before:
        _remove(spare)
        return False
    _sidecar(spare).write_text(json.dumps(before))
    os.replace(_copying(spare), spare)
    return True


def copy_next_build(published: Path) -> bool:
    """Copy the published warehouse to the next build's place and sync it; False when the published file changed
    during the copy (the copy is then discarded)."""
    with _lock(next_build_path(published)).acquire(timeout=WAIT_FOR_COPIER_S):
        return _copy_locked(published)


def _is_ready(published: Path) -> bool:
    spare = next_build_path(published)
    try:
        return spare.exists() and json.loads(_sidecar(spare).read_text()) == identity(published)
    except (OSError, ValueError):
        return False


def discard_retired(published: Path) -> None:
    """Free the warehouse the last publish replaced (readers still reading it keep it until they close it)."""
    retired_path_for(published).unlink(missing_ok=True)


def start_copying_next_build(published: Path) -> subprocess.Popen | None:
    """At the end of a run: start a copier, in its own session so that it outlives the run, when no copy of the
    published file as it is now is ready (the run published, or took the copy and failed). The copier first frees
    the file the publish replaced. The lock is taken here and handed to the copier (an inherited descriptor keeps a
    flock), so a run starting right after this one finds the copier at work, never the copy not yet begun. None
    when nothing is to be copied, or another copier still holds the lock."""
    if not published.exists() or _is_ready(published):
        discard_retired(published)
        return None
    spare = next_build_path(published)
    descriptor = os.open(copier_lock_path(spare), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        log = published.with_name(f"{published.stem}.next-build.log")
        with log.open("w") as output:
            return subprocess.Popen(
                [sys.executable, "-m", "orchestration.publish.next_build", str(published), str(descriptor)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(descriptor,),
            )
    finally:
        os.close(descriptor)  # closing, not unlocking: the copier's copy of the descriptor keeps the lock


def wait_for_copier(published: Path, timeout: float = WAIT_FOR_COPIER_S) -> bool:
    """Wait until no copier is writing the next build; False when one still was after `timeout` seconds."""
    try:
        with _lock(next_build_path(published)).acquire(timeout=timeout):
            return True
    except Timeout:
        return False


def take_next_build(published: Path, build: Path) -> bool:
    """Move the prepared copy to `build` when it is a copy of the published file as it is now; otherwise remove
    whatever a copier left and say False (the caller copies the published file itself)."""
    spare = next_build_path(published)
    try:
        with _lock(spare).acquire(timeout=WAIT_FOR_COPIER_S):
            if _is_ready(published):
                os.replace(spare, build)
                _sidecar(spare).unlink()
                return True
            _remove(spare)
            return False
    except Timeout:
        return False  # a copier still writing after all this time: this run copies for itself


if __name__ == "__main__":
    # started by start_copying_next_build, holding the lock on the descriptor it was given (released at exit)
    target = Path(sys.argv[1])
    discard_retired(target)
    print(f"next build of {target}: {'ready' if _copy_locked(target) else 'discarded, the file changed'}")
