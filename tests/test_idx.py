"""The IDX reader: valid files, every kind of malformed file, and size caps."""

from __future__ import annotations

import gzip
import hashlib
import tracemalloc

import numpy as np
import pytest

from idx_files import idx_bytes, write_bytes
from nnzero.datasets.idx import read_idx
from nnzero.errors import DataFormatError

MiB = 1 << 20


def refused_peak(path, match):
    """Check that reading ``path`` fails with ``match``; return the peak allocation.

    tracemalloc sees NumPy's buffers too, so a large array would show here.
    """
    tracemalloc.start()
    try:
        with pytest.raises(DataFormatError, match=match):
            read_idx(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_reads_every_type_raw_and_gzipped(tmp_path, gz, dtype):
    expected = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_bytes(tmp_path / "x.idx", idx_bytes(expected), gz=gz)
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype)  # native byte order, not the file's big-endian
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, expected)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    data = idx_bytes(np.arange(5, dtype=np.uint8))
    zipped = write_bytes(tmp_path / "looks-raw", data, gz=True)
    plain = write_bytes(tmp_path / "looks-zipped.gz", data)
    np.testing.assert_array_equal(read_idx(zipped), read_idx(plain))


def test_result_is_writable(tmp_path):
    path = write_bytes(tmp_path / "x", idx_bytes(np.zeros((2, 2), np.uint8)))
    read_idx(path)[0, 0] = 1


def test_checksum_is_of_decompressed_content(tmp_path):
    data = idx_bytes(np.arange(10, dtype=np.uint8))
    digest = hashlib.sha256(data).hexdigest()
    for gz in (False, True):
        path = write_bytes(tmp_path / f"x{gz}", data, gz=gz)
        read_idx(path, sha256=digest)
        read_idx(path, sha256=digest.upper())


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_checksum_mismatch(tmp_path, gz):
    path = write_bytes(tmp_path / "x", idx_bytes(np.arange(10, dtype=np.uint8)), gz=gz)
    with pytest.raises(DataFormatError, match=r"SHA-256.*expected 0{64}"):
        read_idx(path, sha256="0" * 64)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x07", "not an IDX file"),
        (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x07", "unsupported IDX type code 0x0A"),
        (b"\x00\x00\x08\x00\x07", "zero dimensions"),
        (b"\x00\x00\x08", "truncated header"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x04\x01\x02", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "trailing data"),
        (b"", "truncated header"),
    ],
    ids=["magic", "type-code", "rank-0", "short-magic", "short-dims", "short-data", "trailing",
         "empty"],
)
def test_malformed_files_are_refused(tmp_path, gz, data, message):
    path = write_bytes(tmp_path / "bad", data, gz=gz)
    with pytest.raises(DataFormatError, match=message):
        read_idx(path)


def test_error_names_the_file(tmp_path):
    path = write_bytes(tmp_path / "named-file", b"\x01\x00\x08\x01")
    with pytest.raises(DataFormatError, match="named-file"):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8) % 7))
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataFormatError, match="truncated|corrupt gzip"):
        read_idx(path)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    ("dims", "message"),
    [
        # ~500 GB: refused by the size cap.
        ((60_000, 4096, 2048), "limit of"),
        # ~500 MB: under the cap, so only the check of the claim against
        # the file's size stands in the way.
        ((2000, 2048, 128), "truncated"),
    ],
    ids=["over-cap", "under-cap"],
)
def test_huge_claim_in_tiny_file_allocates_nothing(tmp_path, gz, dims, message):
    header = b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in dims)
    path = write_bytes(tmp_path / "huge", header + b"\x00" * 64, gz=gz)
    assert refused_peak(path, message) < MiB


def test_size_cap_is_adjustable(tmp_path):
    path = write_bytes(tmp_path / "x", idx_bytes(np.zeros(100, np.uint8)))
    with pytest.raises(DataFormatError, match="limit of 99 bytes"):
        read_idx(path, max_bytes=99)
    assert read_idx(path, max_bytes=100).shape == (100,)


def test_gzip_bomb_is_not_inflated_past_the_header_claim(tmp_path):
    # A valid 16-byte file followed by 64 MiB of zeros: the reader must stop
    # decompressing one byte past the claimed end.
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as f:
        f.write(idx_bytes(np.arange(16, dtype=np.uint8)))
        zeros = bytes(MiB)
        for _ in range(64):
            f.write(zeros)
    assert path.stat().st_size < MiB
    assert refused_peak(path, "trailing data") < 4 * MiB
