"""Resuming an interrupted run: the settings it was started with, and signals.

A run keeps its resolved settings in its staging directory
(``settings.json``) from the start. ``nnzero train ... --resume`` compares
them with the settings it is given now and refuses, naming each key that
differs, to continue a run under other settings: the result would match
neither. :func:`terminate_as_interrupt` makes SIGTERM (what ``kill`` and
most job schedulers send) stop training the way Ctrl-C does: at the end of
the batch, with the checkpoint written.

Example
-------
>>> from nnzero.runs.resume import settings_differences
>>> settings_differences({"epochs": 4, "seed": 0}, {"epochs": 5, "seed": 0})
['epochs: 4 in the interrupted run, 5 now']
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from pathlib import Path

from .._io import atomic_write_bytes
from ..errors import InvalidArgumentError

__all__ = ["SETTINGS_FILE", "ResumeError", "check_resume", "load_settings", "save_settings",
           "settings_differences", "terminate_as_interrupt"]

#: The file in a staging directory that holds the run's resolved settings.
SETTINGS_FILE = "settings.json"
#: Settings that name files: compared as absolute paths, so that the same
#: file named from another directory is the same setting.
PATH_KEYS = ("csv", "data_dir", "out")


class ResumeError(InvalidArgumentError):
    """``--resume`` cannot continue: nothing to resume, or other settings."""


def _comparable(settings: dict) -> dict:
    out = {}
    for key, value in settings.items():
        if key in PATH_KEYS and isinstance(value, str):
            value = os.path.abspath(value)
        out[key] = json.loads(json.dumps(value))  # tuples and lists alike
    return out


def save_settings(directory, settings: dict) -> None:
    """Write a run's resolved ``settings`` into its staging ``directory``.

    Example
    -------
    >>> import tempfile
    >>> from nnzero.runs.resume import load_settings, save_settings
    >>> folder = tempfile.mkdtemp()
    >>> save_settings(folder, {"epochs": 3, "csv": None})
    >>> load_settings(folder)["epochs"]
    3
    """
    text = json.dumps(_comparable(settings), indent=2, sort_keys=True)
    atomic_write_bytes(Path(directory) / SETTINGS_FILE, (text + "\n").encode())


def load_settings(directory) -> dict | None:
    """The settings :func:`save_settings` wrote, or ``None`` when there are none.

    Example
    -------
    >>> import tempfile
    >>> from nnzero.runs.resume import load_settings
    >>> load_settings(tempfile.mkdtemp()) is None
    True
    """
    path = Path(directory) / SETTINGS_FILE
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ResumeError(f"Cannot resume: {str(path)!r} cannot be read ({err}).") from None
    if not isinstance(value, dict):
        raise ResumeError(f"Cannot resume: {str(path)!r} does not hold a table of settings.")
    return value


def settings_differences(saved: dict, current: dict) -> list[str]:
    """One line per key whose value differs between two runs' settings.

    Example
    -------
    >>> from nnzero.runs.resume import settings_differences
    >>> settings_differences({"layers": [8]}, {"layers": [8], "dropout": 0.1})
    ['dropout: not set in the interrupted run, 0.1 now']
    """
    saved, current = _comparable(saved), _comparable(current)
    lines = []
    for key in sorted(set(saved) | set(current)):
        before, now = saved.get(key, _MISSING), current.get(key, _MISSING)
        if before != now:
            lines.append(f"{key}: {_show(before)} in the interrupted run, {_show(now)} now")
    return lines


_MISSING = object()


def _show(value) -> str:
    return "not set" if value is _MISSING else json.dumps(value)


def check_resume(directory, settings: dict) -> None:
    """Refuse to resume the run in staging ``directory`` with other ``settings``.

    Raises
    ------
    ResumeError
        The directory holds no settings (no run to resume), or they differ;
        the message names every differing key with both values.

    Example
    -------
    >>> import tempfile
    >>> from nnzero.runs.resume import check_resume, save_settings
    >>> folder = tempfile.mkdtemp()
    >>> save_settings(folder, {"epochs": 4})
    >>> check_resume(folder, {"epochs": 6})
    Traceback (most recent call last):
    ...
    nnzero.runs.resume.ResumeError: Cannot resume with other settings than ...
    """
    saved = load_settings(directory)
    if saved is None:
        raise ResumeError(f"Nothing to resume in {str(directory)!r}: it holds no interrupted "
                          "run's settings.")
    differences = settings_differences(saved, settings)
    if differences:
        raise ResumeError(
            "Cannot resume with other settings than the interrupted run's: "
            + "; ".join(differences)
            + ". Run with the same settings, or without --resume to start over.")


@contextlib.contextmanager
def terminate_as_interrupt():
    """While inside, SIGTERM does what Ctrl-C (SIGINT) does at that moment.

    During ``fit`` with a checkpoint, Ctrl-C asks training to stop after
    the batch and write its checkpoint; SIGTERM then does the same. Outside
    such a handler, SIGTERM raises KeyboardInterrupt, as Ctrl-C would. Only
    the main thread can take signals; elsewhere this does nothing.

    Example
    -------
    >>> from nnzero.runs.resume import terminate_as_interrupt
    >>> with terminate_as_interrupt():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum, frame):
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:  # ignored or default: act as the default Ctrl-C would
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
