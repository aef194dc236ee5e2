"""Hostile IDX files: random, mutated and forged files, raw and gzipped.

The reader must either return exactly what the file encodes or raise
DataFormatError -- never a struct, zlib, gzip, EOF or memory error -- and a
header's claim is checked before anything is allocated for it.
"""

import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import strategies as st

from fuzzing import DEPTHS, mutated, run
from idx_files import CODES, idx_bytes, write_bytes, write_dataset
from nnzero import NNZeroError
from nnzero.datasets import load_idx_dataset
from nnzero.datasets.idx import read_idx
from nnzero.errors import DataFormatError

DTYPES = sorted(CODES)


@st.composite
def valid_arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    values = draw(st.lists(st.integers(-128, 127), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape))))
    return np.array(values).astype(dtype).reshape(shape)


@st.composite
def forged_headers(draw):
    """A plausible header (known type codes, few dimensions) with any sizes,
    followed by a payload of any length: the claim and the file rarely agree."""
    code = draw(st.one_of(st.sampled_from(sorted(CODES.values())), st.integers(0, 255)))
    ndim = draw(st.one_of(st.integers(0, 4), st.integers(0, 255)))
    dim = st.one_of(st.integers(0, 6), st.integers(0, 2**32 - 1))
    dims = draw(st.lists(dim, min_size=ndim, max_size=ndim))
    head = bytes([0, 0, code, ndim]) + struct.pack(f">{ndim}I", *dims)
    return head[: draw(st.integers(0, len(head)))] if draw(st.booleans()) else (
        head + draw(st.binary(max_size=64))
    )


def idx_files():
    """Raw bytes, forged headers and damaged valid files."""
    return st.one_of(
        st.binary(max_size=256),
        forged_headers(),
        valid_arrays().map(idx_bytes),
        valid_arrays().map(idx_bytes).flatmap(mutated),
    )


def gz_files():
    """Gzip streams of the above, and damaged gzip streams of valid files."""
    return st.one_of(
        st.tuples(idx_files(), st.integers(0, 9)).map(lambda a: gzip.compress(a[0], a[1])),
        valid_arrays().map(lambda a: gzip.compress(idx_bytes(a))).flatmap(mutated),
        st.binary(max_size=64).map(lambda b: b"\x1f\x8b" + b),
    )


def read_or_refuse(path, data):
    """read_idx gives the file's exact content or a DataFormatError."""
    path.write_bytes(data)
    try:
        array = read_idx(path)
    except DataFormatError:
        return
    content = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    assert idx_bytes(array) == content


@pytest.mark.parametrize("examples", DEPTHS)
def test_raw_files(tmp_path, examples):
    run(examples, idx_files(), lambda data: read_or_refuse(tmp_path / "f", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_gzipped_files(tmp_path, examples):
    run(examples, gz_files(), lambda data: read_or_refuse(tmp_path / "f", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_claims_are_checked_before_allocating(tmp_path, examples):
    """However large the header's claim, a small file costs little memory."""
    dims = st.lists(st.integers(2**10, 2**32 - 1), min_size=1, max_size=4)

    def check(args):
        dims, gz, tail = args
        data = b"\x00\x00\x08" + bytes([len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
        path = write_bytes(tmp_path / "f", data + tail, gz=gz)
        tracemalloc.start()
        try:
            with pytest.raises(DataFormatError):
                read_idx(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 << 20

    run(examples, st.tuples(dims, st.booleans(), st.binary(max_size=64)), check)


@pytest.mark.parametrize("examples", DEPTHS)
def test_four_file_data_sets(tmp_path, examples):
    """The MNIST-style loader over four files, any of them broken or odd:
    a consistent pair of arrays, or one nnzero error."""
    roles = ["train_images", "train_labels", "test_images", "test_labels"]
    names = {role: f"{role}-idx" for role in roles}
    write_dataset(tmp_path, n_train=3, n_test=2, size=4, gz=False)
    for role in roles:
        (tmp_path / f"{role}-idx").write_bytes((tmp_path / _standard(role)).read_bytes())

    def check(args):
        role, data, dtype = args
        (tmp_path / names[role]).write_bytes(data)
        try:
            (x, y), (xt, yt) = load_idx_dataset(tmp_path, names=names, dtype=dtype)
        except NNZeroError:
            return
        finally:
            (tmp_path / names[role]).write_bytes((tmp_path / _standard(role)).read_bytes())
        for images, labels in ((x, y), (xt, yt)):
            assert len(images) == len(labels) and labels.dtype == np.int64
            assert (labels >= 0).all()
            if dtype != "uint8":
                assert images.dtype == np.dtype(dtype) and np.isfinite(images).all()

    odd = st.one_of(idx_files(), valid_arrays().map(idx_bytes), odd_arrays().map(idx_bytes))
    run(examples, st.tuples(st.sampled_from(roles), odd, st.sampled_from(
        ["float32", "float64", "uint8"])), check)


@st.composite
def odd_arrays(draw):
    """Well-formed files with values a data set should not hold."""
    dtype = draw(st.sampled_from(["int8", "int16", "int32", "float32", "float64"]))
    shape = draw(st.sampled_from([(3,), (2,), (3, 4, 4), (2, 4, 4), (3, 2)]))
    special = [0, -1, 255, 256, 1e30, -1e30, np.nan, np.inf, 0.5, 1e-310, 1e-40]
    if np.dtype(dtype).kind == "i":
        special = [v for v in special if isinstance(v, int)]
    values = draw(st.lists(st.sampled_from(special), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape))))
    with np.errstate(all="ignore"):
        return np.array(values).astype(dtype).reshape(shape)


def _standard(role):
    from idx_files import NAMES

    return NAMES[role]


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x07")[:-4],  # no CRC/size trailer
        gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")[:-8] + b"\x00" * 8,  # bad CRC
        b"\x1f\x8b\x08\x00" + b"\x00" * 6 + zlib.compress(b"x")[2:],  # raw deflate, bad
        b"\x1f\x8b",
    ],
    ids=["no-trailer", "bad-crc", "bad-deflate", "magic-only"],
)
def test_broken_gzip_streams(tmp_path, data):
    path = tmp_path / "f.gz"
    path.write_bytes(data)
    with pytest.raises(DataFormatError):
        read_idx(path)


@pytest.mark.parametrize(
    "dims", [(0, 2**32 - 1, 2**32 - 1), (2**31, 0, 2**32 - 1, 2**32 - 1)], ids=["2", "3"]
)
def test_empty_shape_too_large_for_numpy(tmp_path, dims):
    """Found by fuzzing: no data at all, yet NumPy cannot represent the shape."""
    header = b"\x00\x00\x08" + bytes([len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    path = write_bytes(tmp_path / "f", header)
    with pytest.raises(DataFormatError, match="too large for any array"):
        read_idx(path)


def test_more_dimensions_than_numpy_allows(tmp_path):
    """Found by fuzzing: 65 axes of size 0 are no data, but not an array either."""
    path = write_bytes(tmp_path / "f", b"\x00\x00\x08\x41" + bytes(4 * 65))
    with pytest.raises(DataFormatError, match="65 dimensions; at most 32"):
        read_idx(path)


@pytest.mark.parametrize(
    ("role", "array", "match"),
    [
        ("train_labels", np.array([0, -1, 2], np.int8), "labels must be non-negative integers"),
        ("test_labels", np.array([0.0, 1.0]), "labels must be non-negative integers"),
        ("train_images", np.full((3, 4, 4), np.nan), "NaN, infinite or"),
        ("test_images", np.full((2, 4, 4), 1e300), "too large values"),
    ],
)
def test_data_sets_with_values_they_cannot_hold(tmp_path, role, array, match):
    """Found by fuzzing the loader: these came back as negative class indices
    or NaN and infinite pixels."""
    from idx_files import NAMES

    write_dataset(tmp_path, n_train=3, n_test=2, size=4, gz=False)
    (tmp_path / NAMES[role]).write_bytes(idx_bytes(array))
    with pytest.raises(DataFormatError, match=match):
        load_idx_dataset(tmp_path)
