"""Predicting CSV tables: columns by name, row numbers, labels, probabilities."""

import csv
import gzip
import io
import os
import threading

import numpy as np
import pytest

import nnzero as nz
from nnzero.datasets.textfile import open_text, sniff_delimiter
from nnzero.runs.table import PredictionTable, predict_table, read_features


def _model(n_in=2, n_out=3, activation="softmax", loss="sparse_categorical_crossentropy"):
    model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
                           nz.layers.Dense(n_out, activation=activation)], seed=1)
    model.compile(optimizer="sgd", loss=loss)
    model.build((n_in,))
    return model


def _parse(table: PredictionTable):
    return list(csv.reader(io.StringIO(table.to_csv())))


def test_columns_are_read_by_name_in_any_order(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,width,note,length\n10,1.5,a,2\n11,-3,b,0.25\n")
    x, rows, targets = read_features(path, ["length", "width"])
    assert x.tolist() == [[2.0, 1.5], [0.25, -3.0]]
    assert rows == [1, 2] and targets is None


def test_same_numbers_as_model_predict(tmp_path):
    path = tmp_path / "rows.csv"
    rng = np.random.default_rng(0)
    values = rng.normal(size=(25, 2))
    path.write_text("b,a\n" + "".join(f"{b.item()!r},{a.item()!r}\n" for a, b in values))
    model = _model()
    table = predict_table(model, path, feature_names=["a", "b"], class_names=["x", "y", "z"])
    assert table.header == ["row", "predicted", "prob_x", "prob_y", "prob_z"]
    parsed = _parse(table)[1:]
    expected = model.predict_proba(values.astype(np.float32))
    got = np.array([[float(v) for v in row[2:]] for row in parsed], dtype=np.float32)
    np.testing.assert_array_equal(got, expected)  # bit for bit after the text round trip
    assert [row[1] for row in parsed] == [["x", "y", "z"][i] for i in expected.argmax(1)]
    assert [int(row[0]) for row in parsed] == list(range(1, 26))


def test_blank_lines_are_not_counted_as_rows(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n\n3,4\n")
    assert read_features(path)[1] == [1, 2]


def test_target_column_is_echoed_as_true(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,kind,b\n1,cat,2\n3,dog,4\n")
    table = predict_table(_model(n_out=2), path, feature_names=["a", "b"], target="kind",
                          class_names=["cat", "dog"])
    assert table.header[:3] == ["row", "true", "predicted"]
    assert [r[1] for r in table.rows] == ["cat", "dog"]


def test_one_sigmoid_unit_gives_two_probabilities(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n")
    model = _model(n_out=1, activation="sigmoid", loss="binary_crossentropy")
    table = predict_table(model, path, class_names=["no", "yes"])
    p1 = float(model.predict(np.array([[1, 2]], np.float32))[0, 0])
    row = table.rows[0]
    assert table.header == ["row", "predicted", "prob_no", "prob_yes"]
    assert float(row[3]) == pytest.approx(p1) and row[1] == ("yes" if p1 > 0.5 else "no")


def test_regression_writes_the_predicted_value(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n-1,0.5\n")
    model = _model(n_out=1, activation="linear", loss="mse")
    table = predict_table(model, path, regression=True)
    expected = model.predict(np.array([[1, 2], [-1, 0.5]], np.float32))[:, 0]
    assert table.header == ["row", "predicted"]
    assert [np.float32(r[1]) for r in table.rows] == list(expected)


def test_without_names_every_column_but_the_target_is_a_feature(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(nz.InvalidArgumentError, match="3 feature columns .*takes 2"):
        predict_table(_model(), path)
    assert predict_table(_model(), path, target="c").header[:2] == ["row", "true"]


def test_missing_column_is_named_with_the_closest(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("lenght,width\n1,2\n")
    with pytest.raises(nz.InvalidArgumentError, match=r"lacks the feature column 'length' "
                                                      r"\(is 'lenght' it\?\)"):
        read_features(path, ["length", "width"])


def test_feature_names_must_match_the_model(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(nz.InvalidArgumentError, match="3 feature names given for a model of 2"):
        predict_table(_model(), path, feature_names=["a", "b", "c"])


@pytest.mark.parametrize("text, message", [
    ("a,b\n1,x\n", r"line 2: column 'b' holds 'x', not a finite number"),
    ("a,b\n1,2\n1,nan\n", r"line 3: column 'b' holds 'nan'"),
    ("a,b\n1,2\n1\n", r"line 3: 1 fields, but the header has 2"),
    ("a,b\n", "no data rows"),
    ("\n\n", "is empty"),
    ("a,b\n\"1,2\n", "(not valid CSV|fields)"),
])
def test_bad_cells_name_the_line_and_column(tmp_path, text, message):
    path = tmp_path / "rows.csv"
    path.write_text(text)
    with pytest.raises(nz.DataFormatError, match=message):
        read_features(path, ["a", "b"])


def test_gzipped_file_is_read_by_its_content(tmp_path):
    path = tmp_path / "rows.data"  # no .gz in the name
    path.write_bytes(gzip.compress(b"a;b\n1;2\n"))
    assert read_features(path)[0].tolist() == [[1.0, 2.0]]


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "rows.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 1000)[:40])
    with pytest.raises(nz.DataFormatError, match="not a valid gzip file"):
        read_features(path)


def test_encoding_and_delimiter_options(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes("größe|b\n1|2\n".encode("latin-1"))
    with pytest.raises(nz.DataFormatError, match="not utf-8 text .*--encoding"):
        read_features(path)
    x, _, _ = read_features(path, ["größe", "b"], encoding="latin-1", delimiter="|")
    assert x.tolist() == [[1.0, 2.0]]
    with pytest.raises(nz.InvalidArgumentError, match="Unknown text encoding"):
        read_features(path, encoding="no-such-codec")
    with pytest.raises(nz.InvalidArgumentError, match="one character"):
        read_features(path, delimiter="||")


def test_byte_order_mark_does_not_stick_to_the_first_name(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    assert read_features(path, ["a", "b"])[0].tolist() == [[1.0, 2.0]]


def test_a_pipe_is_read_once_from_the_start(tmp_path):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:
            f.write(gzip.compress(b"a,b\n1,2\n3,4\n"))

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        x, rows, _ = read_features(fifo)
    finally:
        writer.join()
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and rows == [1, 2]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(nz.DatasetNotFoundError, match="not found"):
        open_text(tmp_path / "nope.csv")
    with pytest.raises(nz.InvalidArgumentError, match="is a directory"):
        open_text(tmp_path)


def test_sniff_delimiter():
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter("a,b;c;d") == ";"
    assert sniff_delimiter("a,b", delimiter=";") == ";"
