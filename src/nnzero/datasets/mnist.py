"""MNIST, Fashion-MNIST and any data set stored as four MNIST-style IDX files.

Example
-------
>>> import nnzero as nz
>>> (x_train, y_train), (x_test, y_test) = nz.datasets.load_mnist()  # doctest: +SKIP
>>> x_train.shape, x_train.dtype, y_train.dtype  # doctest: +SKIP
((60000, 784), dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnzero._validation import check_bool
from nnzero.datasets import sources
from nnzero.datasets.idx import read_idx
from nnzero.errors import DataFormatError, DatasetNotFoundError, InvalidArgumentError

__all__ = ["IdxDatasetSpec", "load_fashion_mnist", "load_idx_dataset", "load_mnist"]

ROLES = ("train_images", "train_labels", "test_images", "test_labels")
DEFAULT_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_DTYPES = ("float32", "float64", "uint8")


@dataclass(frozen=True)
class IdxDatasetSpec:
    """A named four-file IDX data set: where it may be downloaded and its digests.

    ``sha256`` maps each role in ``ROLES`` to the SHA-256 of the file's
    decompressed content; ``mirrors`` are base URLs ending in ``/`` that
    serve the gzipped files under their standard names.

    Example
    -------
    >>> from nnzero.datasets.mnist import SPECS
    >>> SPECS["mnist"].title
    'MNIST'
    """

    name: str
    title: str
    sha256: Mapping[str, str]
    mirrors: tuple[str, ...]


SPECS = {
    "mnist": IdxDatasetSpec(
        name="mnist",
        title="MNIST",
        sha256={
            "train_images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
    ),
    "fashion-mnist": IdxDatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST",
        sha256={
            "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        mirrors=(
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ),
    ),
}


def load_idx_dataset(
    directory: str | os.PathLike,
    *,
    names: Mapping[str, str] | Sequence[str] | None = None,
    dtype: str = "float32",
    flatten: bool = True,
    normalize: bool = True,
    sha256: Mapping[str, str] | None = None,
):
    """Load a train/test split stored as four IDX files in ``directory``.

    Parameters
    ----------
    directory : str or path-like
        Directory holding the files, each gzipped (``.gz``) or raw.
    names : mapping or sequence of 4 str, optional
        File names for ``train_images``, ``train_labels``, ``test_images``,
        ``test_labels`` (a mapping with those keys, or a sequence in that
        order). Default: MNIST's names, e.g. ``train-images-idx3-ubyte``.
    dtype : {"float32", "float64", "uint8"}, default "float32"
        Type of the returned images. Labels are always int64.
    flatten : bool, default True
        Return images as rows of ``(n, height * width)``; else ``(n, height, width)``.
    normalize : bool, default True
        Scale float images from 0..255 to [0, 1]. Integer images always keep
        their raw 0..255 values.
    sha256 : mapping, optional
        Expected digests of the decompressed files, by the same keys.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))

    Example
    -------
    >>> from nnzero.datasets import load_idx_dataset
    >>> (x, y), _ = load_idx_dataset("emnist", names=[  # doctest: +SKIP
    ...     "emnist-digits-train-images-idx3-ubyte", "emnist-digits-train-labels-idx1-ubyte",
    ...     "emnist-digits-test-images-idx3-ubyte", "emnist-digits-test-labels-idx1-ubyte"])
    """
    kind = _check_dtype(dtype)
    flatten, normalize = check_bool(flatten, "flatten"), check_bool(normalize, "normalize")
    files = _resolve_names(names)
    directory = Path(directory)
    paths = {}
    for role in ROLES:
        path = sources.find_file(directory, files[role])
        if path is None:
            raise DatasetNotFoundError(f"{directory}: no file {files[role]} (or .gz)")
        paths[role] = path
    digests = sha256 or {}
    arrays = {role: read_idx(paths[role], sha256=digests.get(role)) for role in ROLES}
    return tuple(
        _prepare(arrays[f"{part}_images"], arrays[f"{part}_labels"], paths, part, kind,
                 flatten, normalize)
        for part in ("train", "test")
    )


def load_mnist(data_dir=None, *, dtype="float32", flatten=True, normalize=True, download=True):
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    Looks in ``data_dir``, ``$NNZERO_DATA/mnist``, the user cache,
    ``/usr/share/datasets/mnist``, then downloads into the user cache
    (unless ``download=False`` or ``$NNZERO_OFFLINE=1``). Every file's
    decompressed content is checked against its known SHA-256.
    ``dtype``, ``flatten`` and ``normalize`` are as in :func:`load_idx_dataset`.

    Parameters
    ----------
    data_dir : str or path-like, optional
        A directory to look in first.
    dtype : {"float32", "float64", "uint8"}, default "float32"
        Type of the returned images; labels are always int64.
    flatten : bool, default True
        Rows of 784 pixels; False keeps ``(n, 28, 28)``.
    normalize : bool, default True
        Divide the pixels by 255 (for float dtypes).
    download : bool, default True
        Download into the user cache when no place has the files.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray

    Raises
    ------
    DatasetNotFoundError
        No place had the files; the message lists each place tried.
    DataFormatError
        A file is malformed or does not match its known digest.

    Examples
    --------
    >>> from nnzero.datasets import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> x_train.shape, float(x_train.max()), y_test[:3]  # doctest: +SKIP
    ((60000, 784), 1.0, array([7, 2, 1]))
    """
    return _load_named(SPECS["mnist"], data_dir, download, dtype, flatten, normalize)


def load_fashion_mnist(
    data_dir=None, *, dtype="float32", flatten=True, normalize=True, download=True
):
    """Load Fashion-MNIST: 70,000 28x28 images of clothing in 10 classes.

    Same search order and options as :func:`load_mnist`, with ``fashion-mnist``
    as the directory name (``apt-get install dataset-fashion-mnist`` puts
    the files in ``/usr/share/datasets/fashion-mnist``).

    Parameters
    ----------
    data_dir : str or path-like, optional
        A directory to look in first.
    dtype : {"float32", "float64", "uint8"}, default "float32"
        Type of the returned images; labels are always int64.
    flatten : bool, default True
        Rows of 784 pixels; False keeps ``(n, 28, 28)``.
    normalize : bool, default True
        Divide the pixels by 255 (for float dtypes).
    download : bool, default True
        Download into the user cache when no place has the files.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray

    Raises
    ------
    DatasetNotFoundError
        No place had the files; the message lists each place tried.
    DataFormatError
        A file is malformed or does not match its known digest.

    Examples
    --------
    >>> from nnzero.datasets import load_fashion_mnist
    >>> (x_train, y_train), _ = load_fashion_mnist(dtype="uint8", flatten=False)  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    return _load_named(SPECS["fashion-mnist"], data_dir, download, dtype, flatten, normalize)


def _load_named(spec, data_dir, download, dtype, flatten, normalize):
    # A bad dtype must fail before a search or a download, not after it.
    _check_dtype(dtype)
    download = check_bool(download, "download")
    flatten, normalize = check_bool(flatten, "flatten"), check_bool(normalize, "normalize")
    options = {"dtype": dtype, "flatten": flatten, "normalize": normalize, "sha256": spec.sha256}
    fnames = [DEFAULT_NAMES[role] for role in ROLES]
    tried = []
    for label, directory in sources.candidate_dirs(spec.name, data_dir):
        missing = [f for f in fnames if sources.find_file(directory, f) is None]
        if not missing:
            return load_idx_dataset(directory, **options)
        state = "does not exist" if not directory.is_dir() else "missing " + ", ".join(missing)
        tried.append(f"{label}: {directory} ({state})")
    if not os.environ.get("NNZERO_DATA"):
        tried.insert(0 if data_dir is None else 1, "$NNZERO_DATA: not set")

    if not sources.downloads_enabled(download):
        tried.append("download: disabled (download=False or NNZERO_OFFLINE=1)")
    else:
        dest = sources.user_cache_dir(spec.name)
        try:
            fetched = sources.download_files([f + ".gz" for f in fnames], spec.mirrors, dest)
        except OSError as err:
            tried.append(f"download: failed ({err})")
        else:
            try:
                return load_idx_dataset(dest, **options)
            except DataFormatError:
                # Never keep a bad download in the cache: the next call
                # would find it there and fail the same way forever.
                for path in fetched:
                    path.unlink(missing_ok=True)
                raise
    places = "\n".join(f"  - {line}" for line in tried)
    raise DatasetNotFoundError(
        f"{spec.title} not found. Places tried:\n{places}\n"
        f"To supply it, put the four files {', '.join(fnames)} (gzipped or not) in a "
        f"directory and pass it as data_dir, or put them in $NNZERO_DATA/{spec.name}/."
    )


def _check_dtype(dtype):
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise InvalidArgumentError(f"dtype must be one of {_DTYPES}. Received: dtype={dtype!r}")
    return name


def _resolve_names(names):
    if names is None:
        return DEFAULT_NAMES
    if isinstance(names, Mapping):
        missing = [role for role in ROLES if role not in names]
        if missing:
            raise InvalidArgumentError(
                f"names must have the keys {ROLES}; missing {missing}. Received: names={names!r}"
            )
        return names
    if isinstance(names, str) or len(names) != len(ROLES):
        raise InvalidArgumentError(
            f"names must be a mapping or a sequence of 4 file names. Received: names={names!r}"
        )
    return dict(zip(ROLES, names, strict=True))


def _prepare(images, labels, paths, part, dtype, flatten, normalize):
    where = f"{paths[part + '_images']} / {paths[part + '_labels']}"
    if images.ndim < 2 or labels.ndim != 1 or len(images) != len(labels):
        raise DataFormatError(
            f"{where}: expected images (n, ...) and labels (n,), got shapes "
            f"{images.shape} and {labels.shape}"
        )
    if labels.dtype.kind not in "iu" or (labels.size and labels.min() < 0):
        raise DataFormatError(
            f"{where}: labels must be non-negative integers (class indices); the label "
            f"file holds {labels.dtype} values"
            + (f" from {labels.min()} to {labels.max()}" if labels.size else "")
        )
    x = images.reshape(len(images), -1) if flatten else images
    if dtype == "uint8":
        if x.dtype != np.uint8:
            # A cast would silently wrap values outside 0..255.
            raise InvalidArgumentError(
                f"dtype='uint8' needs uint8 images but {where} holds {x.dtype}"
            )
    else:
        # Division rather than multiplication by 1/255: each value is then
        # the correctly rounded quotient, identical across platforms.
        with np.errstate(all="ignore"):  # checked just below; underflow to 0 is right
            x = x.astype(dtype)
        if not np.isfinite(x).all():
            raise DataFormatError(
                f"{where}: the images hold NaN, infinite or (for {dtype}) too large values"
            )
        if normalize:
            with np.errstate(under="ignore"):  # a tiny value becoming 0 is right
                x /= 255.0
    return x, labels.astype(np.int64)
