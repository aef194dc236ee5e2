"""The demo and the command-line stub, run on the small fallback data set."""

from __future__ import annotations

import pytest

from nnzero import demo
from nnzero.__main__ import main as cli_main
from nnzero.errors import DatasetNotFoundError


@pytest.fixture
def no_mnist(monkeypatch):
    def missing(data_dir=None):
        raise DatasetNotFoundError("MNIST not found. Places tried: ...")

    monkeypatch.setattr(demo, "load_mnist", missing)


def test_demo_falls_back_to_digits_and_reports(no_mnist, capsys):
    assert cli_main(["demo", "--epochs", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("MNIST not found") and "digits" in out[0]
    assert out[-1].startswith("Test accuracy ") and "mean epoch time" in out[-1]


def test_demo_rejects_bad_epochs(no_mnist):
    with pytest.raises(SystemExit):
        demo.main(["--epochs", "0"])


def test_cli_usage(capsys):
    assert cli_main([]) == 2
    assert cli_main(["--help"]) == 0
    assert "nnzero demo" in capsys.readouterr().out
