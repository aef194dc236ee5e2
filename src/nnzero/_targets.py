"""Where a file write should land: through symlinks, never onto special files.

Every file nnzero writes (models, checkpoints, reports, plots, ONNX
exports) is written to a temporary file and renamed over its target. Renamed
over a symbolic link, that would replace the link itself with a regular
file; renamed over a device node, a FIFO or a socket, it would replace that
node. :func:`write_target` says which path the rename should replace: the
final target of a link (so the link stays and points to the new content),
or the path itself, and refuses anything but a regular file or nothing.

Example
-------
>>> import os, tempfile
>>> from nnzero._targets import write_target
>>> folder = tempfile.mkdtemp()
>>> os.symlink("real.nnz", os.path.join(folder, "link.nnz"))
>>> write_target(os.path.join(folder, "link.nnz")).name
'real.nnz'
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import ModelFileError

__all__ = ["describe_mode", "write_target"]

# Links followed before a chain is called a loop (Linux's own limit is 40).
_MAX_LINKS = 40


def describe_mode(mode: int) -> str:
    """A few words for the kind of file ``mode`` (from ``os.stat``) describes.

    Example
    -------
    >>> import os
    >>> from nnzero._targets import describe_mode
    >>> describe_mode(os.stat("/dev/null").st_mode)
    'a character device'
    """
    kinds = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISLNK, "a symbolic link"))
    return next((text for test, text in kinds if test(mode)), "a special file")


def write_target(path, error: type[Exception] = ModelFileError) -> Path:
    """The path whose file a write to ``path`` should replace.

    A symbolic link (or a chain of them) is followed to its final target,
    which need not exist yet (a dangling link gets its target created), so
    the write updates what the link points to and the link stays. The
    target must be a regular file or not exist: a directory, a device, a
    FIFO, a socket or a link loop raises ``error`` naming ``path``, and
    nothing is touched.

    Parameters
    ----------
    path : str or os.PathLike
        Where the caller was asked to write.
    error : type of Exception, default ModelFileError
        The exception class raised on refusal.

    Returns
    -------
    Path
        ``path`` itself, or the final target of the link it is.

    Example
    -------
    >>> import tempfile, os
    >>> from nnzero._targets import write_target
    >>> write_target("/dev/null")
    Traceback (most recent call last):
    ...
    nnzero.errors.ModelFileError: Cannot write '/dev/null': it is a character device, ...
    """
    given = Path(os.fspath(path))
    current = given
    for _ in range(_MAX_LINKS):
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return current  # nothing there (yet): the write creates it
        except NotADirectoryError:
            raise error(f"Cannot write {str(given)!r}: a part of the path is not a "
                        "directory.") from None
        except OSError as err:
            raise error(f"Cannot write {str(given)!r}: {err.strerror or err}.") from None
        if stat.S_ISREG(info.st_mode):
            return current
        if not stat.S_ISLNK(info.st_mode):
            shown = "" if current == given else f" (the link's target {str(current)!r})"
            raise error(
                f"Cannot write {str(given)!r}{shown}: it is {describe_mode(info.st_mode)}, "
                "not a regular file; it was left as it is."
            )
        link = Path(os.readlink(current))
        current = link if link.is_absolute() else current.parent / link
    raise error(f"Cannot write {str(given)!r}: {os.strerror(errno.ELOOP)} "
                f"(more than {_MAX_LINKS} symbolic links).")
