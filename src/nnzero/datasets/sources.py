"""Where dataset files are looked for, and how they are downloaded.

The places, in order: an explicit directory, ``$NNZERO_DATA/<name>``, the
user cache, ``/usr/share/datasets/<name>`` (where Debian's data packages
install), and last a download into the user cache. Setting the environment
variable ``NNZERO_OFFLINE=1`` turns downloads off.

Example
-------
>>> from nnzero.datasets.sources import candidate_dirs
>>> [label for label, _ in candidate_dirs("mnist", "data/mnist")][0]
'data_dir argument'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

__all__ = [
    "SYSTEM_DATA_DIR",
    "candidate_dirs",
    "download_files",
    "downloads_enabled",
    "find_file",
    "user_cache_dir",
]

#: Root of system-wide data packages (Debian installs ``fashion-mnist`` here).
SYSTEM_DATA_DIR = Path("/usr/share/datasets")

# (connect, read) seconds: without a network the connect attempt fails at
# once or after a few seconds, never after the minutes of the defaults.
DOWNLOAD_TIMEOUT = (5, 30)

_log = logging.getLogger(__name__)


def user_cache_dir(name: str) -> Path:
    """The per-user cache directory for dataset ``name``.

    Example
    -------
    >>> from nnzero.datasets.sources import user_cache_dir
    >>> user_cache_dir("mnist").name
    'mnist'
    """
    # Imported here because pooch pulls in requests, which `import nnzero`
    # should not pay for.
    import pooch

    return Path(pooch.os_cache("nnzero")) / name


def candidate_dirs(name: str, data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """The directories to search for dataset ``name``, in order, with labels.

    ``$NNZERO_DATA`` is read at call time, so changing it takes effect at
    once.

    Example
    -------
    >>> from nnzero.datasets.sources import candidate_dirs
    >>> [label for label, _ in candidate_dirs("mnist")][-1]
    'system datasets'
    """
    places = []
    if data_dir is not None:
        places.append(("data_dir argument", Path(data_dir)))
    env = os.environ.get("NNZERO_DATA")
    if env:
        places.append(("$NNZERO_DATA", Path(env) / name))
    places.append(("user cache", user_cache_dir(name)))
    places.append(("system datasets", SYSTEM_DATA_DIR / name))
    return places


def find_file(directory: Path, fname: str) -> Path | None:
    """Return ``directory/fname`` gzipped or raw, whichever exists, else None.

    Example
    -------
    >>> from pathlib import Path
    >>> from nnzero.datasets.sources import find_file
    >>> find_file(Path("/nonexistent"), "train-images-idx3-ubyte") is None
    True
    """
    base = fname.removesuffix(".gz")
    for candidate in (base + ".gz", base):
        path = directory / candidate
        if path.is_file():
            return path
    return None


def downloads_enabled(download: bool = True) -> bool:
    """False when ``download`` is False or ``$NNZERO_OFFLINE`` is set to a true value.

    Example
    -------
    >>> from nnzero.datasets.sources import downloads_enabled
    >>> downloads_enabled(False)
    False
    """
    offline = os.environ.get("NNZERO_OFFLINE", "").strip().lower()
    return download and offline not in ("1", "true", "yes", "on")


def download_files(fnames: list[str], mirrors: tuple[str, ...], dest: Path) -> list[Path]:
    """Download each of ``fnames`` into ``dest`` from the first mirror that has it.

    Files already in ``dest`` are not fetched again. Integrity is checked by
    the caller, on the decompressed content.

    Raises
    ------
    OSError
        When a file could be fetched from none of the mirrors; the message
        names each mirror's failure. The remaining files are not attempted.

    Example
    -------
    >>> from pathlib import Path
    >>> from nnzero.datasets.sources import download_files
    >>> download_files([], ("https://example.org/",), Path("."))
    []
    """
    paths = []
    for fname in fnames:
        failures = []
        for mirror in mirrors:
            try:
                paths.append(_fetch(mirror + fname, dest, fname))
                break
            except OSError as err:
                failures.append(f"{mirror}{fname}: {err}")
        else:
            raise OSError("; ".join(failures))
    return paths


def _fetch(url: str, dest: Path, fname: str) -> Path:
    import pooch

    _log.info("Downloading %s to %s", url, dest)
    pooch_log = pooch.get_logger()
    level = pooch_log.level
    # Pooch would advise copying the (compressed) file's hash into code; we
    # check the decompressed content instead, so that advice only confuses.
    pooch_log.setLevel(logging.WARNING)
    try:
        downloader = pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT)
        return Path(pooch.retrieve(url, known_hash=None, fname=fname, path=dest,
                                   downloader=downloader))
    finally:
        pooch_log.setLevel(level)
