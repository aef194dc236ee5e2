"""A run's CSV file: encodings, delimiters, gzip, pipes, targets by number,
regression or classes."""

import gzip
import os
import threading

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs.csv_data import load_csv_table, resolve_target

TEXT = "a,b,kind\n1,2,cat\n3,4,dog\n5,6,cat\n"


def _write(tmp_path, text=TEXT, name="data.csv", **kw):
    path = tmp_path / name
    path.write_bytes(text.encode(kw.get("encoding", "utf-8")))
    return path


def test_names_classes_and_features(tmp_path):
    table = load_csv_table(_write(tmp_path), "kind")
    assert table.feature_names == ["a", "b"] and table.target == "kind"
    assert table.class_names == ["cat", "dog"] and table.y.tolist() == [0, 1, 0]
    assert table.x.dtype == np.float32 and not table.regression


@pytest.mark.parametrize("target, index", [("kind", 2), (2, 2), ("2", 2), (-1, 2), ("0", 0),
                                           (None, 2)])
def test_target_by_name_or_number(target, index):
    assert resolve_target(target, ["a", "b", "kind"], "f.csv") == index


def test_a_column_named_like_a_number_wins():
    assert resolve_target("0", ["x", "0"], "f.csv") == 1


@pytest.mark.parametrize("target, message", [(3, "out of range .*0 is the first"),
                                             ("-4", "out of range"),
                                             ("knd", "no column named 'knd'. Did you mean "
                                                     "'kind'"),
                                             (1.5, "column name or index")])
def test_bad_targets(target, message):
    with pytest.raises(nz.InvalidArgumentError, match=message):
        resolve_target(target, ["a", "b", "kind"], "f.csv")


def test_encoding_and_delimiter(tmp_path):
    path = _write(tmp_path, "größe;kind\n1;ä\n2;b\n", encoding="latin-1")
    table = load_csv_table(path, "kind", encoding="latin-1", delimiter=";")
    assert table.feature_names == ["größe"] and table.class_names == ["b", "ä"]
    with pytest.raises(nz.DataFormatError, match="not utf-8 text"):
        load_csv_table(path, "kind")


def test_gzipped_csv_names_the_original_in_errors(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(TEXT.encode()))
    assert load_csv_table(path, "kind").class_names == ["cat", "dog"]
    path.write_bytes(gzip.compress(b"a,kind\n1,x\nzz,y\n"))
    with pytest.raises(nz.DataFormatError) as err:
        load_csv_table(path, "kind")
    assert str(path) in str(err.value) and "nnzero-" not in str(err.value)
    assert "line 3" in str(err.value)


def test_csv_from_a_pipe(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(TEXT))
    writer.start()
    try:
        table = load_csv_table(fifo, "kind")
    finally:
        writer.join()
    assert table.y.tolist() == [0, 1, 0]


def test_numeric_target_with_mse_is_a_regression(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,10\n3,4,20.5\n5,6,30\n")
    table = load_csv_table(path, "y", loss="mse")
    assert table.regression and table.class_names == []
    assert table.y.dtype == np.float32 and table.y.tolist() == [10.0, 20.5, 30.0]


def test_text_target_with_mse_stays_classes(tmp_path):
    assert not load_csv_table(_write(tmp_path), "kind", loss="mse").regression


def test_continuous_target_without_mse_points_to_mse(tmp_path):
    path = _write(tmp_path, "a,y\n1,0.5\n2,1.5\n")
    with pytest.raises(nz.InvalidArgumentError, match="pass --loss mse"):
        load_csv_table(path, "y")


def test_single_class_is_refused(tmp_path):
    with pytest.raises(nz.InvalidArgumentError, match="single class"):
        load_csv_table(_write(tmp_path, "a,k\n1,x\n2,x\n"), "k")


def test_whole_number_labels_become_classes(tmp_path):
    table = load_csv_table(_write(tmp_path, "a,k\n1,-1\n2,1\n3,1\n"), "k")
    assert table.class_names == ["-1", "1"] and table.y.tolist() == [0, 1, 1]


# -- load_run_data ------------------------------------------------------------------------

def _config(**overrides):
    from nnzero.runs.config import DEFAULTS

    return dict(DEFAULTS, **{"dataset": None, "out": "unused", **overrides})


def test_test_rows_are_the_files_data_rows(tmp_path):
    from nnzero.runs.data import load_run_data

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    lines = ["p,q,label"] + [f"{a!r},{b!r},{'yes' if a > 0 else 'no'}" for a, b in x.tolist()]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    data = load_run_data(_config(csv=str(path), target="label"))
    rows = data.extra["test_rows"]
    assert len(rows) == len(data.x_test) == 10
    np.testing.assert_array_equal(data.x_test, x[rows - 1].astype(np.float32))
    assert data.extra["feature_names"] == ["p", "q"] and data.extra["target"] == "label"
    assert data.class_names == ["no", "yes"] and not data.extra["regression"]


def test_regression_csv_run(tmp_path):
    from nnzero.runs.data import load_run_data

    lines = ["a,y"] + [f"{i},{i * 1.5}" for i in range(40)]
    data = load_run_data(_config(csv=str(_write(tmp_path, "\n".join(lines) + "\n")),
                                 target="y", loss="mse"))
    assert data.extra["regression"] and data.class_names == []
    assert data.y_train.dtype == np.float32
    np.testing.assert_allclose(data.y_test, data.x_test[:, 0] * 1.5)


@pytest.mark.parametrize("name, features", [("sine", 1), ("friedman", 5)])
def test_regression_toy_sets(name, features):
    from nnzero.runs.data import load_run_data

    data = load_run_data(_config(dataset=name, samples=100, loss="mse"))
    assert data.n_features == features and data.extra["regression"]
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 100
    with pytest.raises(nz.InvalidArgumentError, match="needs loss = 'mse'"):
        load_run_data(_config(dataset=name, samples=100))


def test_missing_data_dir_is_refused(tmp_path):
    from nnzero.runs.data import load_run_data

    with pytest.raises(nz.InvalidArgumentError, match="is not a directory"):
        load_run_data(_config(dataset="mnist", data_dir=str(tmp_path / "nope")))
