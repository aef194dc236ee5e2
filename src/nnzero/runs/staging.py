"""Atomic run directories: a run is written beside its target and moved in whole.

``nnzero train --out runs/x`` writes every file of the run into the staging
directory ``runs/.x.partial`` and, once the run is complete, swaps it into
place as ``runs/x``. Until that moment the previous run in ``runs/x`` stays
whole; an interrupted, failed or killed run never leaves its files mixed
with an older run's. The staging directory also holds the run's checkpoint,
so an interrupted run can be resumed from it.

:func:`check_output_dir` checks, before any data is loaded, that a run can
be written where it was asked to go.

Example
-------
>>> import tempfile, pathlib
>>> from nnzero.runs.staging import RunStage
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
>>> stage = RunStage(out)
>>> stage.begin()
>>> _ = (stage.path / "model.nnz").write_bytes(b"...")
>>> stage.commit()
>>> sorted(p.name for p in out.iterdir())
['model.nnz']
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import stat
import sys
import uuid
from pathlib import Path

from .._targets import describe_mode
from ..errors import InvalidArgumentError

try:  # POSIX only; elsewhere two runs into one directory are not detected
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["RUN_MARKERS", "OutputDirError", "RunStage", "check_output_dir", "staging_path"]

_LOCK = ".lock"
_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one step


class OutputDirError(InvalidArgumentError):
    """A run's output directory cannot be used (``--out``): not a
    directory, not writable, or in use by another run."""


def staging_path(out) -> Path:
    """The staging directory of a run whose outputs go to ``out``.

    Example
    -------
    >>> from nnzero.runs.staging import staging_path
    >>> staging_path("runs/mnist").as_posix()
    'runs/.mnist.partial'
    """
    out = Path(out)
    return out.parent / f".{out.name}.partial"


def check_output_dir(out) -> Path:
    """Check, before any work, that a run can be written to directory ``out``.

    ``out`` may exist (an earlier run's directory or an empty one, or a
    symbolic link to one: the run replaces what the link points to) or
    not; its parent is created when missing. A directory holding other
    files, or the current directory, is refused: the run would replace it
    whole. A file, a device such as ``/dev/null``, a read-only place or a
    pseudo-file system such as ``/proc`` raise :class:`OutputDirError` in
    one line. Returns the directory the run will replace.

    Example
    -------
    >>> from nnzero.runs.staging import check_output_dir
    >>> check_output_dir("/dev/null")
    Traceback (most recent call last):
    ...
    nnzero.runs.staging.OutputDirError: Cannot write the run to '/dev/null': it is a ...
    """
    given = Path(os.fspath(out))
    if not given.name or given.name in (".", ".."):
        given = Path(os.path.abspath(given))
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    prefix = f"Cannot write the run to {str(given)!r}"
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise OutputDirError(f"{prefix}: {err.strerror or err}.") from None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OutputDirError(f"{prefix}: it is {describe_mode(info.st_mode)}, "
                             "not a directory.")
    if not target.name:
        raise OutputDirError(f"{prefix}: a run needs a directory of its own, not the root.")
    if info is not None:
        _check_replaceable(target, prefix)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputDirError(
            f"{prefix}: cannot create {str(target.parent)!r} ({err.strerror or err}).") from None
    if _pseudo_file_system(target.parent):
        raise OutputDirError(f"{prefix}: {str(target.parent)!r} is a kernel file system "
                             "that holds no ordinary files.")
    # Whether the directory takes new entries is only known by making one.
    probe = target.parent / f".{target.name}.probe-{uuid.uuid4().hex[:12]}"
    try:
        probe.mkdir()
        (probe / "probe").write_bytes(b"")
    except OSError as err:
        raise OutputDirError(
            f"{prefix}: {str(target.parent)!r} is not writable ({err.strerror or err})."
        ) from None
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return target


#: Files that mark a directory as a run's, which a new run may replace whole.
RUN_MARKERS = ("metrics.json", "model.nnz", "config.toml", "settings.json", "checkpoint.nnz")


def _check_replaceable(target: Path, prefix: str) -> None:
    """A run replaces its directory whole: refuse one that holds the current
    directory, or files that are not an earlier run's."""
    here = Path.cwd().resolve()
    real = target.resolve()
    if real == here or real in here.parents:
        raise OutputDirError(f"{prefix}: it is the current directory or holds it, and a run "
                             "replaces its directory whole. Choose a new directory.")
    try:
        names = sorted(p.name for p in target.iterdir())
    except OSError as err:
        raise OutputDirError(f"{prefix}: it cannot be read ({err.strerror or err}).") from None
    if names and not any(marker in names for marker in RUN_MARKERS):
        shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        raise OutputDirError(
            f"{prefix}: it holds files that are not an nnzero run's ({shown}), and a run "
            "replaces its directory whole. Choose a new or empty directory.")


def _pseudo_file_system(directory: Path) -> bool:
    """Whether ``directory`` is on /proc or /sys, where files are the kernel's."""
    if not sys.platform.startswith("linux"):
        return False
    real = Path(os.path.realpath(directory))
    return any(real == Path(top) or Path(top) in real.parents for top in ("/proc", "/sys"))


class RunStage:
    """The staging directory of one run, and the move that completes it.

    :meth:`begin` makes (or, to resume, reopens) ``.NAME.partial`` beside
    ``out`` and holds a lock on it, so two runs into one directory do not
    mix; :meth:`commit` swaps it into place; :meth:`discard` removes it.

    Example
    -------
    >>> from nnzero.runs.staging import RunStage
    >>> RunStage("runs/moons").path.name
    '.moons.partial'
    """

    def __init__(self, out):
        self.out = Path(os.fspath(out))
        if self.out.is_symlink():  # the run replaces what the link points to
            self.out = Path(os.path.realpath(self.out))
        self.path = staging_path(self.out)
        self._lock_file = None

    def __repr__(self) -> str:
        return f"RunStage({str(self.out)!r})"

    @property
    def exists(self) -> bool:
        """Whether a staging directory (an unfinished run) is there."""
        return self.path.is_dir()

    def begin(self, resume: bool = False) -> None:
        """Open the staging directory: a fresh, empty one, or with
        ``resume`` the one an interrupted run left.

        Raises :class:`OutputDirError` when another run holds it, or when
        ``resume`` finds none.
        """
        if resume:
            if not self.exists:
                raise OutputDirError(
                    f"Nothing to resume: no interrupted run of {str(self.out)!r} (its staging "
                    f"directory {str(self.path)!r} does not exist).")
            self._lock()
            return
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_dir()):
            raise OutputDirError(f"{str(self.path)!r} is in the way of the run's staging "
                                 "directory; remove it.")
        if self.exists:
            self._lock()  # fails while another run writes there
            self._unlock()
            shutil.rmtree(self.path)
        try:
            self.path.mkdir(parents=True)
        except OSError as err:
            raise OutputDirError(f"Cannot create {str(self.path)!r}: "
                                 f"{err.strerror or err}.") from None
        self._lock()

    def commit(self) -> None:
        """Move the complete run into place; the previous run, if any, goes.

        Where the system can swap two directories in one step (Linux), no
        moment exists at which ``out`` is missing or half-written; elsewhere
        the old run is renamed aside first and restored if the move fails.
        """
        self._unlock()
        if not self.out.exists():
            os.replace(self.path, self.out)
            return
        if not self.out.is_dir():
            raise OutputDirError(f"Cannot move the run into {str(self.out)!r}: it is no "
                                 "longer a directory. The run is kept in "
                                 f"{str(self.path)!r}.")
        if _exchange(self.path, self.out):
            shutil.rmtree(self.path, ignore_errors=True)  # now the old run
            return
        aside = self.out.parent / f".{self.out.name}.old-{uuid.uuid4().hex[:12]}"
        os.replace(self.out, aside)
        try:
            os.replace(self.path, self.out)
        except OSError:
            os.replace(aside, self.out)
            raise
        shutil.rmtree(aside, ignore_errors=True)

    def discard(self) -> None:
        """Remove the staging directory and everything in it."""
        self._unlock()
        shutil.rmtree(self.path, ignore_errors=True)

    def release(self) -> None:
        """Let go of the lock, keeping the staging directory (to resume later)."""
        self._unlock()

    # -- the lock --------------------------------------------------------------------
    def _lock(self) -> None:
        if fcntl is None:
            return
        handle = open(self.path / _LOCK, "a+b")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            handle.close()
            if err.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise OutputDirError(
                    f"Another nnzero run is writing to {str(self.out)!r} (it holds "
                    f"{str(self.path)!r}); wait for it or choose another --out.") from None
            raise
        self._lock_file = handle

    def _unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the flock
            self._lock_file = None
            with contextlib.suppress(OSError):
                (self.path / _LOCK).unlink()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0
