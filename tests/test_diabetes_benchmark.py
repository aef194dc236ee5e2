"""The regression benchmark against MLPRegressor runs end to end (a smoke run)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "diabetes_regression.py"


def _load():
    spec = importlib.util.spec_from_file_location("diabetes_regression", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_seed_two_epochs(capsys):
    result = _load().main(["--seeds", "1", "--epochs", "2"])
    assert set(result) == {"nnzero_r2", "sklearn_r2", "gap"}
    assert result["gap"] == pytest.approx(result["nnzero_r2"] - result["sklearn_r2"])
    out = capsys.readouterr().out
    assert "R² difference (nnzero - MLPRegressor)" in out


def test_refuses_zero_seeds():
    with pytest.raises(SystemExit):
        _load().main(["--seeds", "0"])
