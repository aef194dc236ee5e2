"""Writing files: atomic writes (a crash or a full disk never leaves a
half-written file where a good one was), NumPy scalars in JSON, and the
kinds of JSON value read back."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import numpy as np

from ._targets import write_target
from .errors import ModelFileError

__all__ = ["atomic_write_bytes", "is_json_count", "is_json_number", "numpy_scalar_to_python"]


def atomic_write_bytes(path, data: bytes, error: type[Exception] = ModelFileError) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory,
    fsync, then rename over the target (atomic on POSIX and Windows).

    The file gets the permissions an ordinary ``open`` would give it (0666
    less the umask). Failures raise ``error`` with the reason; any previous
    file at ``path`` is left intact and no temporary file stays behind.
    A symbolic link is followed: its target gets the data and the link
    stays. A directory, device, FIFO or socket at ``path`` is refused
    (``error``) and left as it was.

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> atomic_write_bytes(path, b"kept whole")
    >>> open(path, "rb").read()
    b'kept whole'
    """
    # Through a symbolic link to its target (the link stays); never over a
    # device, FIFO or other special file.
    path = write_target(Path(path), error)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise error(f"Cannot write {str(path)!r}: directory {str(directory)!r} does not exist.")
    tmp_name = directory / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    created = False
    try:
        # os.open applies the umask to 0o666, as a plain open() would.
        fd = os.open(
            tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
        created = True
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
        created = False
        _fsync_directory(directory)
    except OSError as err:
        raise error(
            f"Could not write {str(path)!r}: {err.strerror or err}. "
            "Any previous file there is unchanged."
        ) from err
    finally:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def numpy_scalar_to_python(value, where: str = "a JSON file"):
    """The Python number or bool a NumPy scalar holds: the ``default`` hook
    that lets ``json.dumps`` write values such as ``np.float32(0.5)``.

    Anything else raises TypeError, as ``json.dumps`` expects, saying that
    it cannot be stored in ``where`` (bind it with :func:`functools.partial`).

    Example
    -------
    >>> import json
    >>> import numpy as np
    >>> json.dumps({"loss": np.float32(0.5)}, default=numpy_scalar_to_python)
    '{"loss": 0.5}'
    >>> numpy_scalar_to_python(object(), where="a checkpoint")
    Traceback (most recent call last):
    ...
    TypeError: object cannot be stored in a checkpoint
    """
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be stored in {where}")


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


def is_json_number(value) -> bool:
    """True for a number read from JSON (an int or a float), not a boolean.

    Example
    -------
    >>> is_json_number(0.5), is_json_number(True), is_json_number("1")
    (True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_json_count(value) -> bool:
    """True for a whole number of at least 0 read from JSON, not a boolean.

    Example
    -------
    >>> is_json_count(3), is_json_count(-1), is_json_count(2.0), is_json_count(False)
    (True, False, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
