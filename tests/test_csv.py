"""load_csv: what comes back for each kind of file, and one clear error for each bad one."""

from __future__ import annotations

import numpy as np
import pytest

from nnzero.datasets import csv as csv_module
from nnzero.datasets import load_csv
from nnzero.errors import (
    DataFormatError,
    DatasetNotFoundError,
    InvalidArgumentError,
    InvalidTypeError,
    NNZeroError,
)


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


# --- what comes back -----------------------------------------------------------------


def test_text_labels_are_encoded_in_sorted_order(tmp_path):
    path = write(tmp_path, "length,weight,species\n1.5,2,shark\n0.5,1,dolphin\n2,3,shark\n")
    x, y, names = load_csv(path, target="species")
    assert x.dtype == np.float32 and x.shape == (3, 2)
    np.testing.assert_array_equal(x, [[1.5, 2], [0.5, 1], [2, 3]])
    assert y.dtype == np.int64 and y.tolist() == [1, 0, 1]
    assert names == ["dolphin", "shark"]


def test_integer_labels_stay_as_they_are(tmp_path):
    path = write(tmp_path, "a,b,label\n0,1,3\n2,3,1\n4,5,3.0\n")
    x, y, names = load_csv(path, target="label")
    assert y.dtype == np.int64 and y.tolist() == [3, 1, 3] and names is None


def test_fractional_targets_are_float32_for_regression(tmp_path):
    path = write(tmp_path, "a,price\n1,2.5\n2,3\n")
    x, y, names = load_csv(path, target="price")
    assert y.dtype == np.float32 and y.tolist() == [2.5, 3.0] and names is None


def test_encode_labels_true_encodes_numbers_sorted_by_value(tmp_path):
    path = write(tmp_path, "a,label\n1,10\n2,-1\n3,2\n4,10\n")
    _, y, names = load_csv(path, target="label", encode_labels=True)
    assert names == ["-1", "2", "10"] and y.tolist() == [2, 0, 1, 2]
    path = write(tmp_path, "a,label\n1,0.5\n2,1.5\n", name="frac.csv")
    _, y, names = load_csv(path, target="label", encode_labels=True)
    assert names == ["0.5", "1.5"] and y.tolist() == [0, 1]


def test_target_by_index_negative_index_and_default_last_column(tmp_path):
    path = write(tmp_path, "y,a,b\n1,2,3\n0,4,5\n")
    x, y, _ = load_csv(path, target=0)
    np.testing.assert_array_equal(x, [[2, 3], [4, 5]])
    assert y.tolist() == [1, 0]
    x, y, _ = load_csv(path, target=-1)
    np.testing.assert_array_equal(x, [[1, 2], [0, 4]])
    assert y.tolist() == [3, 5]
    x_default, y_default, _ = load_csv(path)
    np.testing.assert_array_equal(x_default, x)
    np.testing.assert_array_equal(y_default, y)


def test_target_in_the_middle_keeps_feature_order(tmp_path):
    path = write(tmp_path, "a,label,b,c\n1,x,2,3\n")
    x, _, names = load_csv(path, target="label")
    np.testing.assert_array_equal(x, [[1, 2, 3]])
    assert names == ["x"]


def test_without_header_columns_are_numbered(tmp_path):
    path = write(tmp_path, "1,2,cat\n3,4,dog\n")
    x, y, names = load_csv(path, target=2, header=False)
    assert x.shape == (2, 2) and names == ["cat", "dog"]
    _, _, names = load_csv(path, target="2", header=False)
    assert names == ["cat", "dog"]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, sep):
    path = write(tmp_path, f"a{sep}b{sep}label\n1{sep}2{sep}x\n3{sep}4{sep}y\n")
    x, _, names = load_csv(path, target="label")
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])
    assert names == ["x", "y"]


def test_explicit_delimiter(tmp_path):
    path = write(tmp_path, "a:b:label\n1:2:x\n")
    x, _, _ = load_csv(path, target="label", delimiter=":")
    np.testing.assert_array_equal(x, [[1, 2]])


def test_bom_crlf_blank_lines_quotes_and_spaces(tmp_path):
    text = '\ufeffa, b ,label\r\n\r\n 1 , 2e1 ,"big, red"\r\n-3,+4,  small \r\n\r\n'
    path = write(tmp_path, text)
    x, y, names = load_csv(path, target="label")
    np.testing.assert_array_equal(x, [[1, 20], [-3, 4]])
    assert names == ["big, red", "small"] and y.tolist() == [0, 1]
    # Column names lose the byte-order mark and surrounding spaces.
    numeric = write(tmp_path, "\ufeffa, b ,c\n1,2,3\n", name="numeric.csv")
    assert load_csv(numeric, target="a")[1].tolist() == [1]
    assert load_csv(numeric, target="b")[1].tolist() == [2]


def test_other_encoding(tmp_path):
    path = write(tmp_path, "a,espèce\n1,élan\n2,ours\n", encoding="latin-1")
    _, _, names = load_csv(path, target="espèce", encoding="latin-1")
    assert names == ["ours", "élan"]


def test_large_file_is_read_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_module, "_CHUNK_ROWS", 3)
    rows = "\n".join(f"{i},{i * 2},{'ab'[i % 2]}" for i in range(10))
    path = write(tmp_path, "a,b,label\n" + rows + "\n")
    x, y, names = load_csv(path, target="label")
    np.testing.assert_array_equal(x[:, 0], np.arange(10))
    assert y.tolist() == [i % 2 for i in range(10)] and names == ["a", "b"]
    bad = write(tmp_path, "a,b,label\n" + rows + "\n1,oops,a\n", name="bad.csv")
    with pytest.raises(DataFormatError, match="line 12: column 'b' holds 'oops'"):
        load_csv(bad, target="label")


# --- errors ----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="not found") as info:
        load_csv(tmp_path / "absent.csv", target="y")
    assert isinstance(info.value, FileNotFoundError)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(InvalidArgumentError, match="not a directory"):
        load_csv(tmp_path, target="y")


def test_path_of_wrong_type():
    with pytest.raises(InvalidTypeError, match="path"):
        load_csv(42, target="y")


@pytest.mark.parametrize("text", ["", "   \n\n  \n", b""])
def test_empty_file(tmp_path, text):
    with pytest.raises(DataFormatError, match="empty"):
        load_csv(write(tmp_path, text), target="y")


def test_header_without_rows(tmp_path):
    with pytest.raises(DataFormatError, match="no data rows"):
        load_csv(write(tmp_path, "a,b,y\n\n"), target="y")


def test_single_column(tmp_path):
    with pytest.raises(DataFormatError, match="single column"):
        load_csv(write(tmp_path, "y\n1\n2\n"), target="y")


def test_duplicate_and_empty_column_names(tmp_path):
    with pytest.raises(DataFormatError, match="'a' twice"):
        load_csv(write(tmp_path, "a,a,y\n1,2,3\n"), target="y")
    with pytest.raises(DataFormatError, match="column 2 of the header row has no name"):
        load_csv(write(tmp_path, "a,,y\n1,2,3\n", name="e.csv"), target="y")


def test_missing_target_lists_columns_and_suggests_the_closest(tmp_path):
    path = write(tmp_path, "sepal_length,sepal_width,species\n1,2,x\n")
    with pytest.raises(InvalidArgumentError) as info:
        load_csv(path, target="specie")
    message = str(info.value)
    assert "no column named 'specie'" in message
    assert "Did you mean 'species'?" in message
    assert "Columns: sepal_length, sepal_width, species." in message
    with pytest.raises(InvalidArgumentError, match="Did you mean 'species'"):
        load_csv(path, target="SPECIES")
    with pytest.raises(InvalidArgumentError) as info:
        load_csv(path, target="zzz")
    assert "Did you mean" not in str(info.value)


def test_target_index_out_of_range_or_wrong_type(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    for index in (2, -3):
        with pytest.raises(InvalidArgumentError, match="out of range"):
            load_csv(path, target=index)
    with pytest.raises(InvalidTypeError, match="target"):
        load_csv(path, target=1.0)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a,b,y\n1,2,3\n4,5\n", "line 3: 2 fields, but the header \\(line 1\\) has 3"),
        ("a,b,y\n1,2,3\n4,5,6,7\n", "line 3: 4 fields"),
        ("1,2,3\n4,5\n", "line 2: 2 fields, but the first row has 3"),
    ],
)
def test_ragged_rows(tmp_path, text, words):
    header = not text.startswith("1")
    with pytest.raises(DataFormatError, match=words):
        load_csv(write(tmp_path, text), target=-1, header=header)


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        ("1,abc,x", "line 3: column 'b' holds 'abc', not a number"),
        ("1,,x", "line 3: column 'b' is empty \\(missing value\\)"),
        ("nan,2,x", "line 3: column 'a' holds 'nan', not a finite number"),
        ("1,-inf,x", "line 3: column 'b' holds '-inf', not a finite number"),
        ("1,2,", "line 3: the target column 'y' is empty"),
        ("1,2,NaN", "line 3: the target column 'y' holds 'NaN'"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path, cells, words):
    path = write(tmp_path, f"a,b,y\n0,0,z\n{cells}\n")
    with pytest.raises(DataFormatError, match=words):
        load_csv(path, target="y")


def test_text_labels_with_encoding_off(tmp_path):
    path = write(tmp_path, "a,y\n1,2\n3,cat\n")
    with pytest.raises(DataFormatError, match="label 'cat' is not a number"):
        load_csv(path, target="y", encode_labels=False)


def test_not_text(tmp_path):
    path = write(tmp_path, b"a,b\n\xff\xfe\x00\x81,1\n")
    with pytest.raises(DataFormatError, match="not utf-8 text"):
        load_csv(path, target="b")


def test_malformed_csv(tmp_path):
    path = write(tmp_path, "a,b\n1," + "9" * 200_000 + "\n")  # beyond the csv module's field limit
    with pytest.raises(DataFormatError, match="not valid CSV"):
        load_csv(path, target="b")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"delimiter": ",,"}, "delimiter"),
        ({"delimiter": '"'}, "delimiter"),
        ({"delimiter": 3}, "delimiter"),
        ({"encode_labels": "yes"}, "encode_labels"),
        ({"encode_labels": 1}, "encode_labels"),
        ({"encoding": "no-such-codec"}, "encoding"),
    ],
)
def test_bad_options(tmp_path, kwargs, words):
    path = write(tmp_path, "a,y\n1,2\n")
    with pytest.raises(InvalidArgumentError, match=words) as info:
        load_csv(path, target="y", **kwargs)
    assert isinstance(info.value, NNZeroError)
