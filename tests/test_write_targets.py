"""Writes through symbolic links keep the link; special files are refused
and left as they were."""

import os
import stat

import numpy as np
import pytest

import nnzero as nz
from nnzero._io import atomic_write_bytes
from nnzero._targets import describe_mode, write_target
from nnzero.runs.table import PredictionTable


def _model():
    model = nz.Sequential([nz.layers.Dense(2)], seed=0)
    model.build((3,))
    return model


def test_plain_and_missing_paths_are_their_own_target(tmp_path):
    assert write_target(tmp_path / "new.nnz") == tmp_path / "new.nnz"
    (tmp_path / "old.nnz").write_bytes(b"x")
    assert write_target(tmp_path / "old.nnz") == tmp_path / "old.nnz"


def test_link_chain_is_followed_to_its_final_target(tmp_path):
    (tmp_path / "real.nnz").write_bytes(b"x")
    os.symlink("real.nnz", tmp_path / "one")
    os.symlink(tmp_path / "one", tmp_path / "two")  # absolute, to a link
    assert write_target(tmp_path / "two") == tmp_path / "real.nnz"


def test_symlink_to_file_updates_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real.bin").write_bytes(b"old")
    os.symlink("real.bin", tmp_path / "link.bin")
    atomic_write_bytes(tmp_path / "link.bin", b"new")
    assert os.path.islink(tmp_path / "link.bin")
    assert (tmp_path / "real.bin").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bin", "real.bin"]


def test_dangling_symlink_gets_its_target_created(tmp_path):
    (tmp_path / "store").mkdir()
    os.symlink(tmp_path / "store" / "model.nnz", tmp_path / "model.nnz")
    model = _model()
    model.save(tmp_path / "model.nnz")
    assert os.path.islink(tmp_path / "model.nnz")
    restored = nz.load_model(tmp_path / "store" / "model.nnz")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(),
                                                    restored.get_weights(), strict=True))


def test_model_save_onto_a_symlink_keeps_the_link(tmp_path):
    model = _model()
    model.save(tmp_path / "v1.nnz")
    os.symlink("v1.nnz", tmp_path / "current.nnz")
    model.layers[0].kernel[...] = 7.0
    model.save(tmp_path / "current.nnz")
    assert os.readlink(tmp_path / "current.nnz") == "v1.nnz"
    assert float(nz.load_model(tmp_path / "v1.nnz").layers[0].kernel[0, 0]) == 7.0


def test_dangling_link_into_a_missing_directory_is_refused(tmp_path):
    os.symlink(tmp_path / "gone" / "m.nnz", tmp_path / "m.nnz")
    with pytest.raises(nz.ModelFileError, match="does not exist"):
        _model().save(tmp_path / "m.nnz")
    assert os.path.islink(tmp_path / "m.nnz")


def test_fifo_is_refused_and_left_as_it_was(tmp_path):
    fifo = tmp_path / "pipe.nnz"
    os.mkfifo(fifo)
    with pytest.raises(nz.ModelFileError, match=r"pipe\.nnz.*FIFO.*left as it is"):
        _model().save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.nnz"]


def test_symlink_to_a_fifo_names_the_links_target(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    os.symlink("pipe", tmp_path / "link")
    with pytest.raises(nz.ModelFileError, match="the link's target .*pipe.*FIFO"):
        write_target(tmp_path / "link")
    assert os.path.islink(tmp_path / "link")


def test_dev_null_is_refused_and_left_a_device():
    before = os.lstat("/dev/null")
    with pytest.raises(nz.ModelFileError, match="character device"):
        _model().save("/dev/null")
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_directory_is_refused(tmp_path):
    with pytest.raises(nz.InvalidArgumentError, match="a directory"):
        atomic_write_bytes(tmp_path, b"", error=nz.InvalidArgumentError)


def test_link_loop_is_refused(tmp_path):
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    with pytest.raises(nz.ModelFileError, match="symbolic links"):
        write_target(tmp_path / "a")


def test_path_through_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(nz.ModelFileError, match="not a directory"):
        write_target(tmp_path / "file" / "m.nnz")


def test_describe_mode_names_each_kind(tmp_path):
    assert describe_mode(os.stat(tmp_path).st_mode) == "a directory"
    assert describe_mode(stat.S_IFBLK) == "a block device"
    assert describe_mode(stat.S_IFSOCK) == "a socket"


def test_prediction_table_write_keeps_a_symlink(tmp_path):
    (tmp_path / "real.csv").write_text("old")
    os.symlink("real.csv", tmp_path / "preds.csv")
    PredictionTable(["row"], [[1]]).write(tmp_path / "preds.csv")
    assert os.path.islink(tmp_path / "preds.csv")
    assert (tmp_path / "real.csv").read_text() == "row\n1\n"


def test_plot_and_report_writes_keep_symlinks(tmp_path):
    import matplotlib.pyplot as plt

    from nnzero import plot
    from nnzero.report import write_report

    (tmp_path / "store").mkdir()
    os.symlink(tmp_path / "store" / "curve.png", tmp_path / "curve.png")
    figure, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    plot.save(figure, tmp_path / "curve.png")
    assert os.path.islink(tmp_path / "curve.png")
    assert (tmp_path / "store" / "curve.png").read_bytes().startswith(b"\x89PNG")
    (tmp_path / "metrics.json").write_text('{"dataset": "toy"}')
    os.symlink(tmp_path / "store" / "page.html", tmp_path / "report.html")
    write_report(tmp_path)
    assert os.path.islink(tmp_path / "report.html")
    assert "<!DOCTYPE html>" in (tmp_path / "store" / "page.html").read_text()


def test_plot_onto_a_fifo_is_refused(tmp_path):
    import matplotlib.pyplot as plt

    from nnzero import plot

    os.mkfifo(tmp_path / "curve.png")
    figure, _ = plt.subplots()
    with pytest.raises(nz.NNZeroError, match="FIFO"):
        plot.save(figure, tmp_path / "curve.png")
    plt.close("all")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "curve.png").st_mode)


def test_onnx_export_keeps_a_symlink_and_refuses_dev_null(tmp_path):
    pytest.importorskip("onnx")
    from nnzero.onnx import to_onnx

    model = _model()
    (tmp_path / "store").mkdir()
    os.symlink(tmp_path / "store" / "m.onnx", tmp_path / "m.onnx")
    to_onnx(model, tmp_path / "m.onnx")
    assert os.path.islink(tmp_path / "m.onnx")
    assert (tmp_path / "store" / "m.onnx").stat().st_size > 0
    with pytest.raises(nz.NNZeroError, match="character device"):
        to_onnx(model, "/dev/null")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
