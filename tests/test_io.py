"""Atomic writes: ordinary permissions, old file kept on failure, no debris;
and JSON of NumPy scalars."""

import json
import os
import stat

import numpy as np
import pytest

import nnzero as nz
from nnzero._io import atomic_write_bytes, numpy_scalar_to_python


def test_written_file_gets_0666_less_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o644
    assert (tmp_path / "a.bin").read_bytes() == b"data"


def test_failed_rename_keeps_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "model.nnz"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(nz.ModelFileError, match="No space left"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnz"]


def test_error_class_is_chosen_by_the_caller(tmp_path):
    with pytest.raises(nz.InvalidArgumentError, match="does not exist"):
        atomic_write_bytes(tmp_path / "missing" / "x.png", b"", error=nz.InvalidArgumentError)


def test_numpy_scalar_to_python():
    text = json.dumps([np.float32(0.5), np.int64(3), np.bool_(True)],
                      default=numpy_scalar_to_python)
    assert text == "[0.5, 3, true]"
    with pytest.raises(TypeError, match="ndarray cannot be stored in a JSON file"):
        json.dumps(np.zeros(2), default=numpy_scalar_to_python)
