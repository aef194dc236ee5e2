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


@pytest.mark.parametrize("text", ["\U00010000", "a\x7fb", "tab\there", "é"])
def test_to_toml_round_trips_any_string(tmp_path, text):
    from nnzero.runs.config import load_toml, to_toml

    path = tmp_path / "run.toml"
    path.write_text(to_toml({"out": text, "kernel_initializer": {"name": text}}),
                    encoding="utf-8")
    assert load_toml(path) == {"out": text, "kernel_initializer": {"name": text}}
