"""One way to check: every flag through ``check_bool``, the run config through
``nnzero._validation``, and ``nnzero train --help`` written from the config's
defaults and the registries."""

from __future__ import annotations

import functools
import re
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import nnzero as nz
from nnzero import _validation
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.runs import config as run_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib


def _csv(tmp_path, header=True):
    path = tmp_path / "points.csv"
    rows = "0,1,0\n2,3,1\n4,5,0\n6,7,1\n"
    path.write_text(("a,b,label\n" if header is True or header is np.True_ else "") + rows)
    return path


def _torch_file(tmp_path):
    from nnzero.interop import export_torch_safetensors

    model = nz.Sequential([nz.layers.Dense(2)], seed=0)
    model.build((3,))
    export_torch_safetensors(model, tmp_path / "w.safetensors")
    return tmp_path / "w.safetensors"


def _boundary_grid(value, tmp_path):
    x, y = nz.datasets.make_moons(40, seed=0)
    return nz.plot.boundary_grid(x, y, hidden_sizes=(2,), epochs=1, resolution=4,
                                 logistic_regression=value)


def _classifier(name, value, _tmp_path):
    from nnzero.sklearn import NNClassifier

    x = np.random.default_rng(0).normal(size=(40, 2))
    return NNClassifier(hidden_layer_sizes=(2,), epochs=1, **{name: value}).fit(
        x, np.arange(40) % 2)


# Every flag of the public API: a call that reads it, given the flag's value.
FLAGS = {
    "Dense.use_bias": lambda v, _: nz.layers.Dense(2, use_bias=v),
    "BatchNormalization.center": lambda v, _: nz.layers.BatchNormalization(center=v),
    "BatchNormalization.scale": lambda v, _: nz.layers.BatchNormalization(scale=v),
    "SGD.nesterov": lambda v, _: nz.optimizers.SGD(momentum=0.9, nesterov=v),
    "RMSprop.centered": lambda v, _: nz.optimizers.RMSprop(centered=v),
    "Adam.amsgrad": lambda v, _: nz.optimizers.Adam(amsgrad=v),
    "ExponentialDecay.staircase":
        lambda v, _: nz.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=v),
    "InverseTimeDecay.staircase":
        lambda v, _: nz.schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=v),
    "EarlyStopping.restore_best_weights":
        lambda v, _: nz.callbacks.EarlyStopping(restore_best_weights=v),
    "ModelCheckpoint.save_best_only":
        lambda v, tmp: nz.callbacks.ModelCheckpoint(tmp / "m.nnz", save_best_only=v),
    "Perceptron.shuffle": lambda v, _: nz.Perceptron(shuffle=v),
    "load_csv.header": lambda v, tmp: nz.datasets.load_csv(_csv(tmp, header=v), target=-1,
                                                           header=v),
    "load_csv.encode_labels":
        lambda v, tmp: nz.datasets.load_csv(_csv(tmp), target="label", encode_labels=v),
    "train_val_split.stratify":
        lambda v, _: nz.datasets.train_val_split(np.zeros((20, 2)), np.arange(20) % 2,
                                                 stratify=v),
    "load_digits_fallback.flatten": lambda v, _: nz.datasets.load_digits_fallback(flatten=v),
    "import_torch_safetensors.strict":
        lambda v, tmp: __import__("nnzero.interop").interop.import_torch_safetensors(
            _torch_file(tmp), nz.Sequential([nz.layers.Dense(2)]), strict=v),
    "boundary_grid.logistic_regression": _boundary_grid,
    "confusion_matrix.normalize":
        lambda v, _: nz.plot.confusion_matrix([0, 1, 1], [0, 1, 0], normalize=v),
    **{f"NNClassifier.{name}": functools.partial(_classifier, name)
       for name in ("shuffle", "early_stopping", "warm_start")},
}


@pytest.mark.parametrize("flag", sorted(FLAGS))
@pytest.mark.parametrize("value", [np.True_, np.False_], ids=["np.True_", "np.False_"])
def test_every_flag_accepts_numpy_booleans(flag, value, tmp_path):
    FLAGS[flag](value, tmp_path)


@pytest.mark.parametrize("flag", sorted(FLAGS))
@pytest.mark.parametrize("value", ["yes", 2, None], ids=["str", "int", "None"])
def test_every_flag_refuses_what_is_not_a_bool(flag, value, tmp_path):
    name = flag.split(".")[1]
    with pytest.raises((InvalidTypeError, InvalidArgumentError), match=f"`{name}`") as info:
        FLAGS[flag](value, tmp_path)
    if flag not in ("load_csv.encode_labels", "confusion_matrix.normalize"):
        # Flags that are only True or False fail as check_bool does; the two
        # that also take names say which names.
        assert isinstance(info.value, InvalidTypeError)
        assert "must be True or False" in str(info.value)


@pytest.mark.parametrize("flag", ["idx.flatten", "idx.normalize", "mnist.download"])
def test_dataset_loader_flags(flag, tmp_path, monkeypatch):
    from nnzero.datasets.mnist import load_idx_dataset, load_mnist

    monkeypatch.setenv("NNZERO_OFFLINE", "1")
    # With NNZERO_DATA set (as in CI) MNIST would be found there instead.
    monkeypatch.delenv("NNZERO_DATA", raising=False)
    name = flag.split(".")[1]
    call = (lambda **kw: load_mnist(tmp_path / "none", **kw)) if flag.startswith("mnist") \
        else (lambda **kw: load_idx_dataset(tmp_path / "none", **kw))
    with pytest.raises(InvalidTypeError, match=f"`{name}` must be True or False"):
        call(**{name: "no"})
    # A NumPy boolean passes the check and the search goes on to the missing files.
    with pytest.raises(nz.DatasetNotFoundError):
        call(**{name: np.False_})


def test_dense_use_bias_numpy_bool_builds_like_a_bool():
    with_numpy = nz.layers.Dense(3, use_bias=np.False_)
    assert with_numpy.use_bias is False
    with_numpy.build((2,), np.random.default_rng(0), np.float64)
    assert with_numpy.param_names == ["kernel"]
    assert with_numpy.get_config()["use_bias"] is False


# -- the run config is checked by _validation -------------------------------------------

@pytest.mark.parametrize("key, value, check", [
    ("epochs", 0, lambda v: _validation.check_int(v, "epochs", low=1)),
    ("epochs", 2.5, lambda v: _validation.check_int(v, "epochs", low=1)),
    ("nesterov", "yes", lambda v: _validation.check_bool(v, "nesterov")),
    ("l2", -1.0, lambda v: _validation.check_number(v, "l2", low=0.0)),
    ("learning_rate", 0.0, lambda v: _validation.check_positive(v, "learning_rate")),
    ("dtype", "float16", lambda v: _validation.check_choice(v, "dtype", ("float32", "float64"))),
    ("schedule", "cosin", lambda v: _validation.check_choice(v, "schedule",
                                                             ("constant", "cosine"))),
    ("target", "", lambda v: _validation.check_string(v, "target")),
])
def test_config_errors_are_the_library_checks_errors(key, value, check):
    values = {key: value, "csv": "x.csv"} if key == "target" else {key: value}
    with pytest.raises(run_config.ConfigError) as config_error:
        run_config.resolve_config(overrides=values)
    with pytest.raises((InvalidArgumentError, InvalidTypeError)) as library_error:
        check(value)
    assert str(config_error.value) == str(library_error.value)
    assert f"`{key}`" in str(config_error.value)


def test_config_reads_numbers_written_as_text():
    config = run_config.resolve_config({"epochs": "3", "learning_rate": "0.5"})
    assert (config["epochs"], config["learning_rate"]) == (3, 0.5)


def test_config_module_has_no_checks_of_its_own():
    source = run_config.__file__
    text = open(source, encoding="utf-8").read()
    for helper in ("def _integer", "def _number", "def _string", "def _describe"):
        assert helper not in text


def test_check_choice_and_check_string():
    with pytest.raises(InvalidArgumentError, match="Did you mean 'cosine'"):
        _validation.check_choice("cosin", "schedule", ("constant", "cosine"))
    with pytest.raises(InvalidTypeError, match="`schedule` must be a non-empty string"):
        _validation.check_choice(3, "schedule", ("constant", "cosine"))
    assert _validation.check_string("x", "name") == "x"


# -- nnzero train --help is written from DEFAULTS and the registries ---------------------

def _train_help() -> str:
    from nnzero.cli.app import cli

    result = CliRunner().invoke(cli, ["train", "--help"], terminal_width=4000)
    assert result.exit_code == 0, result.output
    return result.output


def _option_help(text: str, flag: str) -> str:
    """The help of one option on a single (unwrapped) line."""
    match = re.search(rf"^\s+{re.escape(flag)} \S+\s+(.*)$", text, re.MULTILINE)
    assert match, f"{flag} is missing from nnzero train --help"
    return match.group(1)


def test_train_help_defaults_are_the_configs():
    from nnzero.cli.app import format_default

    text = _train_help()
    for key, default in run_config.DEFAULTS.items():
        shown = run_config.DEFAULT_DATASET if key == "dataset" else default
        help_text = _option_help(text, "--" + key.replace("_", "-"))
        if shown is None:  # not set: the help says what happens then, in words
            assert "None" not in help_text, help_text
        else:
            assert help_text.endswith(f"(default {format_default(shown)})"), (key, help_text)


def test_train_help_has_one_option_per_config_key():
    from nnzero.cli.app import cli

    flags = {p.name for p in cli.commands["train"].params} - {
        "config_path", "no_plots", "quiet", "help", "debug", "resume", "checkpoint_every"}
    assert flags == set(run_config.DEFAULTS)


def test_train_help_lists_every_registered_name():
    text = _train_help()
    registries = {"--activation": nz.activations.names(), "--loss": nz.losses.names(),
                  "--optimizer": nz.optimizers.names(),
                  "--kernel-initializer": nz.initializers.names(),
                  "--dataset": list(run_config.DATASETS)}
    for flag, names in registries.items():
        help_text = _option_help(text, flag)
        listed = re.search(r"One of: ([^.]*)\.", help_text).group(1).split(", ")
        assert listed == names, flag
    assert "[constant|cosine]" in text and "[float32|float64]" in text


def test_train_help_follows_a_changed_default(monkeypatch):
    from nnzero.cli.app import train_option_help

    monkeypatch.setitem(run_config.DEFAULTS, "epochs", 7)
    assert train_option_help("epochs").endswith("(default 7)")


def test_format_default_round_trips_through_the_config():
    from nnzero.cli.app import format_default

    for key in ("layers", "nesterov", "epochs", "l2", "activation"):
        typed = format_default(run_config.DEFAULTS[key])
        value = typed.lower() == "true" if key == "nesterov" else typed
        assert run_config.resolve_config(overrides={key: value})[key] == \
            run_config.DEFAULTS[key]


# -- one table of plot files; one version ---------------------------------------------------

def test_one_table_of_plot_files():
    from nnzero import report, runs

    assert runs.PLOT_FILES is report.PLOT_FILES
    source = open(runs.train.__file__, encoding="utf-8").read()
    written = set(re.findall(r'jobs\["([^"]+)"\]', source))
    assert written and written <= set(report.PLOT_FILES)


def test_version_agrees_with_pyproject():
    from pathlib import Path

    from nnzero._version import __version__

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    assert __version__ == declared == nz.__version__
    assert __import__("nnzero.onnx").onnx.__version__ == __version__
