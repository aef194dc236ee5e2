"""Atomic file writes: a crash or a full disk never leaves a half-written
file where a good one was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import ModelFileError


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory,
    fsync, then rename over the target (atomic on POSIX and Windows)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(
            f"Cannot write {str(path)!r}: directory {str(directory)!r} does not exist."
        )
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_directory(directory)
    except OSError as err:
        raise ModelFileError(
            f"Could not write {str(path)!r}: {err.strerror or err}. "
            "Any previous file there is unchanged."
        ) from err
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
