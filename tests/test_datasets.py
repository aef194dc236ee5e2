"""Data-set loaders: conversion options, search order, downloads, fallback, real files.

No test here touches the network: downloads are either disabled or routed to
a local directory standing in for a mirror.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from idx_files import NAMES, write_dataset
from nnzero.datasets import (
    load_digits_fallback,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    mnist,
    sources,
)
from nnzero.errors import (
    DataFormatError,
    DatasetNotFoundError,
    InvalidArgumentError,
    NNZeroError,
)

# --- load_idx_dataset: what comes back -----------------------------------------


def test_default_output_is_flat_float32_in_unit_range(tmp_path):
    arrays, digests = write_dataset(tmp_path)
    (x_train, y_train), (x_test, y_test) = load_idx_dataset(tmp_path, sha256=digests)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(x_train * 255, arrays["train_images"].reshape(6, -1))
    np.testing.assert_array_equal(y_test, arrays["test_labels"])


def test_uint8_images_unflattened(tmp_path):
    arrays, _ = write_dataset(tmp_path, gz=False)
    (x_train, _), _ = load_idx_dataset(tmp_path, dtype="uint8", flatten=False)
    assert x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["train_images"])


def test_float64_without_normalizing(tmp_path):
    arrays, _ = write_dataset(tmp_path)
    (x_train, _), _ = load_idx_dataset(tmp_path, dtype=np.float64, normalize=False)
    assert x_train.dtype == np.float64 and x_train.max() == arrays["train_images"].max()


def test_other_file_names(tmp_path):
    write_dataset(tmp_path)
    for role, name in NAMES.items():
        (tmp_path / f"{name}.gz").rename(tmp_path / f"set-{role}.gz")
    names = [f"set-{role}" for role in NAMES]
    (x, _), _ = load_idx_dataset(tmp_path, names=names)
    (x2, _), _ = load_idx_dataset(tmp_path, names=dict(zip(NAMES, names, strict=True)))
    np.testing.assert_array_equal(x, x2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "int32"}, "dtype must be one of"),
        ({"dtype": "no-such-type"}, "Received: dtype='no-such-type'"),
        ({"names": ["a", "b"]}, "sequence of 4"),
        ({"names": {"train_images": "a"}}, "missing"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    write_dataset(tmp_path)
    with pytest.raises(InvalidArgumentError, match=message):
        load_idx_dataset(tmp_path, **kwargs)


def test_image_and_label_counts_must_agree(tmp_path):
    write_dataset(tmp_path / "a", n_train=6)
    write_dataset(tmp_path / "b", n_train=5)
    shutil.copy(tmp_path / "b" / "train-labels-idx1-ubyte.gz", tmp_path / "a")
    with pytest.raises(DataFormatError, match=r"\(6, 28, 28\) and \(5,\)"):
        load_idx_dataset(tmp_path / "a")


def test_missing_file_in_directory(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_idx_dataset(tmp_path)


# --- load_mnist / load_fashion_mnist: where files are found --------------------


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Empty stand-ins for every place searched, with downloads made to fail loudly."""
    roots = {key: tmp_path / key for key in ("explicit", "env", "cache", "system")}
    monkeypatch.setenv("NNZERO_DATA", str(roots["env"]))
    monkeypatch.delenv("NNZERO_OFFLINE", raising=False)
    monkeypatch.setattr(sources, "user_cache_dir", lambda name: roots["cache"] / name)
    monkeypatch.setattr(sources, "SYSTEM_DATA_DIR", roots["system"])

    def no_network(url, dest, fname):
        pytest.fail(f"download attempted: {url}")

    monkeypatch.setattr(sources, "_fetch", no_network)
    return roots


def use_digests(monkeypatch, name, digests):
    """Make the known digests of data set ``name`` those of a synthetic set."""
    spec = mnist.SPECS[name]
    fake = mnist.IdxDatasetSpec(spec.name, spec.title, digests, ("https://mirror.invalid/",))
    monkeypatch.setitem(mnist.SPECS, name, fake)


@pytest.mark.parametrize("winner", ["explicit", "env", "cache", "system"])
def test_search_order(places, monkeypatch, winner):
    order = ["explicit", "env", "cache", "system"]
    # The winner and every later place hold a set; each set has its own
    # training-set size so the result tells which place was read.
    for size, key in enumerate(order[order.index(winner):], start=3):
        directory = places[key] if key == "explicit" else places[key] / "mnist"
        _, digests = write_dataset(directory, n_train=size, seed=size)
        if key == winner:
            use_digests(monkeypatch, "mnist", digests)
    data_dir = places["explicit"] if winner == "explicit" else None
    (x_train, _), _ = load_mnist(data_dir, download=False)
    assert len(x_train) == 3


def test_fashion_mnist_reads_its_own_subdirectory(places, monkeypatch):
    write_dataset(places["env"] / "mnist", n_train=3)
    _, digests = write_dataset(places["env"] / "fashion-mnist", n_train=5)
    use_digests(monkeypatch, "fashion-mnist", digests)
    (x_train, _), _ = load_fashion_mnist()
    assert len(x_train) == 5


def test_known_digests_are_enforced(places):
    write_dataset(places["env"] / "mnist")
    with pytest.raises(DataFormatError, match="SHA-256"):
        load_mnist()


def test_incomplete_directory_is_skipped(places, monkeypatch):
    write_dataset(places["env"] / "mnist")
    (places["env"] / "mnist" / "train-images-idx3-ubyte.gz").unlink()
    _, digests = write_dataset(places["system"] / "mnist", n_train=2)
    use_digests(monkeypatch, "mnist", digests)
    assert len(load_mnist()[0][0]) == 2


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_nothing_found_lists_every_place(places, monkeypatch, how):
    if how == "environment":
        monkeypatch.setenv("NNZERO_OFFLINE", "1")
    (places["cache"] / "mnist").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(places["explicit"], download=how != "argument")
    message = str(info.value)
    for key in ("explicit", "env", "cache", "system"):
        assert str(places[key]) in message
    assert "missing train-images-idx3-ubyte" in message  # the existing, empty cache
    assert "download: disabled" in message
    assert "NNZERO_DATA" in message and "data_dir" in message
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, NNZeroError)


def test_unset_nnzero_data_is_reported(places, monkeypatch):
    monkeypatch.delenv("NNZERO_DATA")
    with pytest.raises(DatasetNotFoundError, match=r"\$NNZERO_DATA: not set"):
        load_mnist(download=False)


# --- downloads, with a local directory as the mirror ---------------------------


@pytest.fixture
def mirror(places, monkeypatch, tmp_path):
    """A local 'mirror' holding a synthetic set; returns (directory, fetched URLs)."""
    served = tmp_path / "served"
    _, digests = write_dataset(served)
    spec = mnist.SPECS["mnist"]
    monkeypatch.setitem(mnist.SPECS, "mnist", mnist.IdxDatasetSpec(
        spec.name, spec.title, digests, ("https://down.invalid/", "https://up.invalid/")))
    fetched = []

    def fetch(url, dest, fname):
        fetched.append(url)
        if url.startswith("https://down.invalid/"):
            raise ConnectionError("name or service not known")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(served / fname, dest / fname))

    monkeypatch.setattr(sources, "_fetch", fetch)
    return served, fetched


def test_download_falls_back_to_next_mirror_and_caches(places, mirror):
    _, fetched = mirror
    (x_train, _), _ = load_mnist()
    assert len(x_train) == 6
    cached = sorted(os.listdir(places["cache"] / "mnist"))
    assert cached == sorted(f"{name}.gz" for name in NAMES.values())
    assert fetched[:2] == ["https://down.invalid/train-images-idx3-ubyte.gz",
                           "https://up.invalid/train-images-idx3-ubyte.gz"]


def test_corrupt_download_is_removed(places, mirror):
    served, _ = mirror
    write_dataset(served, seed=99)  # same names, different content
    with pytest.raises(DataFormatError, match="SHA-256"):
        load_mnist()
    assert not list((places["cache"] / "mnist").iterdir())


def test_failed_download_stops_early_and_is_reported(places, monkeypatch):
    calls = []

    def offline(url, dest, fname):
        calls.append(url)
        raise OSError("network is unreachable")

    monkeypatch.setattr(sources, "_fetch", offline)
    with pytest.raises(DatasetNotFoundError, match="download: failed.*network is unreachable"):
        load_mnist()
    assert len(calls) == len(mnist.SPECS["mnist"].mirrors)  # first file only, each mirror once


# --- scikit-learn digits fallback ----------------------------------------------


def test_digits_fallback():
    (x_train, y_train), (x_test, y_test) = load_digits_fallback()
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert set(np.unique(y_test)) == set(range(10))  # stratified: every class in test
    again = load_digits_fallback()
    np.testing.assert_array_equal(again[0][0], x_train)
    (images, _), _ = load_digits_fallback(flatten=False, test_fraction=0.5, seed=1)
    assert images.shape == (898, 8, 8)
    with pytest.raises(InvalidArgumentError, match="test_fraction"):
        load_digits_fallback(test_fraction=1.0)


# --- the real files (slow) ------------------------------------------------------


def real_data_dir(name):
    root = os.environ.get("NNZERO_DATA")
    if not root:
        pytest.skip("NNZERO_DATA is not set; it should point at a directory with mnist/ in it")
    if not (Path(root) / name).is_dir():
        pytest.skip(f"NNZERO_DATA={root} has no {name}/ directory")
    return Path(root) / name


@pytest.mark.slow
def test_real_mnist():
    real_data_dir("mnist")
    (x_train, y_train), (x_test, y_test) = load_mnist(download=False)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    # The well-known figures of the original set.
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                             5851, 5949]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    (images, _), _ = load_mnist(dtype="uint8", flatten=False, download=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert abs(images.mean() - 33.318) < 1e-3


@pytest.mark.slow
def test_real_fashion_mnist():
    try:
        (x_train, y_train), (x_test, _) = load_fashion_mnist(download=False)
    except DatasetNotFoundError:
        pytest.skip("Fashion-MNIST is neither in $NNZERO_DATA/fashion-mnist nor installed "
                    "(apt-get install dataset-fashion-mnist)")
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert np.bincount(y_train).tolist() == [6000] * 10
