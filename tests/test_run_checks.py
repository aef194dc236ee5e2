"""Checks of per-layer activations and of the CSV format settings."""

import pytest

import nnzero as nz
from nnzero.runs.checks import check_activations, check_csv_format


def test_activations():
    assert check_activations("Tanh", 2) == "tanh"
    assert check_activations("relu, tanh", 2) == ["relu", "tanh"]
    with pytest.raises(nz.InvalidArgumentError, match="one activation per hidden layer: 3"):
        check_activations(["relu"], 3)
    with pytest.raises(nz.NNZeroError, match=r"activation\[1\]"):
        check_activations(["relu", 3], 2)


@pytest.mark.parametrize("given, expected", [(",", ","), ("tab", "\t"), ("\\t", "\t"),
                                             (";", ";")])
def test_delimiters(given, expected):
    config = {"csv": "a.csv", "encoding": None, "delimiter": given}
    check_csv_format(config)
    assert config["delimiter"] == expected


@pytest.mark.parametrize("config, message", [
    ({"csv": "a.csv", "encoding": "klingon"}, "Unknown text encoding"),
    ({"csv": "a.csv", "delimiter": ";;"}, "one character"),
    ({"csv": "a.csv", "delimiter": '"'}, "one character"),
    ({"csv": None, "encoding": "latin-1"}, "need csv as well"),
])
def test_bad_formats(config, message):
    with pytest.raises(nz.InvalidArgumentError, match=message):
        check_csv_format(config)
