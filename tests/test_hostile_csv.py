"""Hostile CSV files for ``load_csv`` (what ``nnzero train --csv`` reads):
random bytes, damaged and generated tables with odd cells.

The loader must give finite float32 features and one label per row, or an
nnzero error -- never a csv, decode, index or value error.
"""

import csv
import io

import numpy as np
import pytest
from hypothesis import strategies as st

from fuzzing import DEPTHS, mutated, run
from nnzero import NNZeroError
from nnzero.datasets import load_csv

CELLS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "1e400", "-1e400", "nan", "inf", "0x10", "1_000", "1,5", '"',
                     "cat", "dog", "\x00", "\u00e9", "1e-400", "  7 ", "+3", "--1", "1" * 400]),
    st.text(max_size=6),
)


@st.composite
def tables(draw):
    """CSV text: a header (sometimes with repeated or empty names) and rows
    of any length, written with any delimiter and line ending."""
    width = draw(st.integers(1, 5))
    names = draw(st.lists(st.sampled_from(["a", "b", "label", "", "a", "x y"]),
                          min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELLS, min_size=max(width - 1, 0), max_size=width + 1),
                         max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter,
                        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow(names)
    writer.writerows(rows)
    return buffer.getvalue()


def read_or_refuse(path, data: bytes, target):
    path.write_bytes(data)
    try:
        x, y, names = load_csv(path, target=target)
    except NNZeroError:
        return
    assert x.dtype == np.float32 and x.ndim == 2 and np.isfinite(x).all()
    assert len(y) == len(x) > 0
    if names is not None:
        assert y.dtype == np.int64 and 0 <= y.min() and y.max() < len(names)


def check_all(tmp_path, examples, files):
    targets = st.sampled_from([None, "label", "a", 0, -1, 3])
    run(examples, st.tuples(files, targets),
        lambda args: read_or_refuse(tmp_path / "data.csv", *args))


@pytest.mark.parametrize("examples", DEPTHS)
def test_generated_tables(tmp_path, examples):
    check_all(tmp_path, examples, tables().map(lambda text: text.encode("utf-8")))


@pytest.mark.parametrize("examples", DEPTHS)
def test_random_and_damaged_files(tmp_path, examples):
    files = st.one_of(st.binary(max_size=200),
                      tables().map(lambda t: t.encode("utf-8")).flatmap(mutated))
    check_all(tmp_path, examples, files)


def test_a_huge_field_is_refused(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('a,label\n"' + "1" * 200_000 + '",1\n')
    with pytest.raises(NNZeroError, match="not valid CSV"):
        load_csv(path, target="label")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a,b\n1e40,0\n", "'1e40', beyond the range of float32"),
        ("a,b\n0,9.223372036854776e+18\n0,1.5\n", None),
        ("a,b\n0,1e40\n0,1.5\n", "label '1e40' is beyond the range of float32"),
    ],
    ids=["feature-beyond-float32", "label-beyond-int64", "label-beyond-float32"],
)
def test_numbers_beyond_the_result_types(tmp_path, text, match):
    """Found by fuzzing: these became inf, or an OverflowError."""
    path = tmp_path / "data.csv"
    path.write_text(text)
    if match is None:
        x, y, names = load_csv(path, target="b")
        assert y.dtype == np.float32 and names is None and np.isfinite(y).all()
    else:
        with pytest.raises(NNZeroError, match=match):
            load_csv(path, target="b")
