"""The click commands behind ``nnzero``; :func:`nnzero.cli.main` runs them.

Example
-------
>>> from nnzero.cli.app import cli
>>> sorted(cli.commands)
['compare', 'datasets', 'demo', 'evaluate', 'export-onnx', 'playground', 'predict',
 'report', 'train']
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .._version import __version__
from .compare import compare as compare_command
from .playground import playground

__all__ = ["cli"]

_EPILOG = """\b
Examples:
  nnzero train --dataset mnist --layers 128,64 --epochs 10 --out runs/mnist
  nnzero train --config run.toml --epochs 3
  nnzero evaluate runs/mnist/model.nnz --dataset mnist
  nnzero predict runs/mnist/model.nnz digit.png
  nnzero report runs/mnist
  nnzero export-onnx runs/mnist/model.nnz mnist.onnx
  nnzero datasets
  nnzero demo --epochs 5

Exit status: 0 success, 2 usage or config error, 1 failure while working.
"""


def _set_debug(ctx, _param, value):
    if value and isinstance(ctx.obj, dict):
        ctx.obj["debug"] = True


def _debug_option(command):
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_debug,
                        help="Show the full traceback when something fails.")(command)


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nnzero", message="%(prog)s %(version)s")
@_debug_option
@click.pass_context
def cli(ctx):
    """Neural networks from scratch on NumPy: train, evaluate, predict and report."""
    ctx.ensure_object(dict)


# -- train ---------------------------------------------------------------------------

# What each run setting means, in the words of its flag. The defaults and the
# lists of valid names are not written here: train_option_help adds them from
# runs.config.DEFAULTS and the registries, so the help cannot fall behind them.
_TRAIN_HELP = {
    "dataset": "Dataset to train on (unless --csv is given).",
    "csv": "Train on your own CSV file instead.",
    "target": "The CSV column holding the labels (or values, with --loss mse): its name, or "
              "its index (0 the first column, -1 the last).",
    "encoding": "Text encoding of the CSV file (default utf-8).",
    "standardize": "Train on CSV features scaled to mean 0 and variance 1 by the training "
                   "rows; the scaling is folded into the saved model, which takes raw rows "
                   "(true/false).",
    "delimiter": "Field separator of the CSV file ('tab' for a tab; default: told from the "
                 "header line).",
    "data_dir": "Directory with the MNIST-style files.",
    "samples": "Samples generated for a toy dataset.",
    "limit": "Train on the first N training samples only (quick runs).",
    "test_split": "Share held out for testing when a set has no test part.",
    "pooled_test_split": "Pool an image set's training and test images and hold out this "
                         "share of them for testing, drawn from --split-seed (0: keep the "
                         "set's own test part).",
    "validation_split": "Share of the training samples held out for validation (0 for none).",
    "split_seed": "Seed of the validation split (default: --seed).",
    "layers": "Hidden-layer sizes, comma-separated.",
    "activation": "Hidden activation, or one per hidden layer separated by commas.",
    "kernel_initializer": "How every kernel is drawn (a list of one per layer in a --config "
                          "file).",
    "output_activation": "Output activation (auto: softmax, or sigmoid for "
                         "binary_crossentropy).",
    "loss": "Loss to minimise.",
    "optimizer": "Optimizer.",
    "learning_rate": "Learning rate (default: the optimizer's own).",
    "momentum": "Momentum for sgd and rmsprop.",
    "nesterov": "Nesterov momentum for sgd (true/false).",
    "schedule": "Learning-rate schedule: constant, or cosine decay to 0 over the run.",
    "warmup": "Linear warm-up epochs before the cosine decay.",
    "epochs": "Passes over the training data.",
    "batch_size": "Samples per gradient step.",
    "augment_shift": "Shift each training image by up to N pixels at random (image datasets; "
                     "0: none).",
    "augment_flip": "Mirror training images left-right at random (image datasets; "
                    "true/false).",
    "input_dropout": "Dropout rate on the inputs.",
    "dropout": "Dropout rate after each hidden layer.",
    "batch_norm": "Batch normalisation before each hidden activation (true/false).",
    "use_bias": "A bias in every Dense layer (true/false).",
    "log_every": "Keep the loss and accuracy of every N batches in batch_history.json "
                 "(default: per epoch only).",
    "layer_stats": "Record per-layer activations, saturation, gradient norms and update "
                   "ratios every N updates into layer_stats.json and the report (0: none).",
    "l2": "L2 penalty on every kernel.",
    "max_norm": "Cap on the norm of each unit's incoming weights (0: none).",
    "label_smoothing": "Label smoothing of the cross-entropy.",
    "class_weight": "balanced: every class weighs alike in the loss, whatever its share of "
                    "the samples.",
    "early_stopping": "Stop after N epochs without a lower validation loss and keep the best "
                      "weights (0: off). A resumed run starts counting again.",
    "seed": "Seed of weights, shuffling, splits and toy data.",
    "dtype": "Precision.",
    "out": "Output directory (default runs/<dataset>).",
}

# Types of the settings whose default is None (not set), so not told by it.
_UNSET_TYPES = {"limit": int, "split_seed": int, "learning_rate": float, "dataset": str,
                "target": str, "csv": click.Path(dir_okay=False), "encoding": str,
                "log_every": int,
                "delimiter": str, "class_weight": str,
                "data_dir": click.Path(file_okay=False), "out": click.Path(file_okay=False)}


def train_choices() -> dict[str, list[str]]:
    """The valid names of each ``nnzero train`` setting that takes a name,
    read from the run config and the registries.

    Example
    -------
    >>> from nnzero.cli.app import train_choices
    >>> "relu" in train_choices()["activation"]
    True
    """
    from .. import activations, initializers, losses, optimizers
    from ..runs.config import DATASETS, DTYPES, SCHEDULES

    return {"dataset": list(DATASETS), "activation": activations.names(),
            "output_activation": ["auto", *activations.names()],
            "kernel_initializer": initializers.names(), "loss": losses.names(),
            "optimizer": optimizers.names(), "schedule": list(SCHEDULES),
            "dtype": list(DTYPES)}


def format_default(value) -> str:
    """A run setting's default as it is typed on the command line.

    Example
    -------
    >>> from nnzero.cli.app import format_default
    >>> format_default([128, 64]), format_default(False), format_default(0.1)
    ('128,64', 'false', '0.1')
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def train_option_help(key: str) -> str:
    """The ``--help`` text of one ``nnzero train`` setting: what it means,
    its valid names and its default (from ``runs.config.DEFAULTS``).

    Example
    -------
    >>> from nnzero.cli.app import train_option_help
    >>> train_option_help("epochs")
    'Passes over the training data. (default 10)'
    """
    from ..runs.config import DEFAULT_DATASET, DEFAULTS

    text = _TRAIN_HELP[key]
    choices = train_choices().get(key)
    if choices and key not in ("schedule", "dtype"):  # click lists a Choice's values itself
        text += f" One of: {', '.join(choices)}."
    default = DEFAULT_DATASET if key == "dataset" else DEFAULTS[key]
    if default is not None:
        text += f" (default {format_default(default)})"
    return text


def _train_option_type(key: str):
    from ..runs.config import DEFAULTS

    if key in ("schedule", "dtype"):
        return click.Choice(train_choices()[key])
    default = DEFAULTS[key]
    if default is None:
        return _UNSET_TYPES[key]
    return str if isinstance(default, list) else type(default)


def _train_options(command):
    from ..runs.config import DEFAULTS

    for key in reversed(list(DEFAULTS)):
        flag = "--" + key.replace("_", "-")
        command = click.option(flag, type=_train_option_type(key), default=None,
                               help=train_option_help(key))(command)
    return command


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML file of settings (keys as the options, e.g. epochs = 5); "
                   "options given here override it.")
@_train_options
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots (faster).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--resume", is_flag=True,
              help="Continue the run that Ctrl-C, SIGTERM or a crash interrupted in --out "
                   "(with the same settings).")
@click.option("--checkpoint-every", type=click.IntRange(1), metavar="N",
              help="Write the checkpoint every N batches as well (it is written after every "
                   "epoch).")
@_debug_option
@click.pass_context
def train(ctx, config_path, no_plots, quiet, resume, checkpoint_every, **options):
    """Train a network; write model, history, metrics, plots and report.html.

    The run is written beside --out and moved into place once complete, so
    a previous run there stays whole until then. Ctrl-C or SIGTERM stop
    after the current batch with a checkpoint; --resume continues, to the
    same final model as a run never interrupted.
    """
    import shlex

    from ..runs import load_toml, resolve_config
    from ..runs.launch import RunInterruptedError, launch_run
    from .progress import ProgressBar

    file_values = load_toml(config_path) if config_path else {}
    config = resolve_config(file_values, options, source=config_path or "config")

    def progress(data):
        return [] if quiet else [ProgressBar(len(data.x_train), config["epochs"])]

    try:
        launch_run(config, resume=resume, checkpoint_every=checkpoint_every,
                   callbacks=progress, plots=not no_plots, log=None if quiet else click.echo)
    except RunInterruptedError as stop:
        args = list((ctx.obj or {}).get("argv") or ["train", "..."])
        command = shlex.join(["nnzero", *args, *([] if resume else ["--resume"])])
        click.echo(f"nnzero: {stop}\nTo continue: {command}", err=True)
        return 130
    return 0


# -- evaluate and predict --------------------------------------------------------------

_DATA_KEYS = ("dataset", "csv", "target", "encoding", "delimiter", "data_dir", "samples",
              "seed", "test_split", "loss")


@cli.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.option("--dataset", help="Dataset to evaluate on (default: the one the run used).")
@click.option("--csv", type=click.Path(dir_okay=False), help="Evaluate on a CSV file.")
@click.option("--target", help="The CSV column holding the class labels.")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Directory with the MNIST-style files.")
@click.option("--samples", type=int, help="Samples of a generated toy dataset.")
@click.option("--seed", type=int, help="Seed of toy data and of the test split.")
@click.option("--test-split", type=float, help="Share held out for testing (toy and CSV).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_debug_option
def evaluate(model_path, as_json, **options):
    """Print the loss and accuracy of a saved MODEL on a dataset's test part.

    Settings not given are read from the run's config.toml beside MODEL,
    when there is one, so a toy set is regenerated exactly as in training.
    """
    from ..errors import NotCompiledError
    from ..model import load_model
    from ..runs import encode_targets, load_run_data, load_toml, resolve_config

    beside = Path(model_path).with_name("config.toml")
    saved = load_toml(beside) if beside.is_file() else {}
    defaults = {k: saved[k] for k in _DATA_KEYS if k in saved}
    if options["dataset"] is not None or options["csv"] is not None:
        defaults = {k: v for k, v in defaults.items()
                    if k not in ("dataset", "csv", "target", "encoding", "delimiter")}
    model = load_model(model_path)
    if not model.compiled:
        raise NotCompiledError(f"{model_path} was saved without a loss; it cannot be "
                               "evaluated.")
    config = resolve_config(defaults, dict(options, validation_split=0.0,
                                           dtype=model.dtype.name), source=str(beside))
    data = load_run_data(config)
    if data.extra.get("regression"):
        from ..runs.outputs import regression_results

        scores = regression_results(model, data)[0]
    else:
        y = encode_targets(data.y_test, model.loss, model.output_shape[0])
        scores = model.evaluate(data.x_test, y)
    if as_json:
        click.echo(json.dumps({"dataset": data.name, "samples": len(data.x_test), **scores}))
    else:
        figures = ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
        click.echo(f"{data.name} test set ({len(data.x_test)} samples): {figures}")
    return 0


@cli.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.argument("images", metavar="IMAGE... | ROWS.csv", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="How many classes to show per image.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write a table's predictions to this CSV file (default: print them).")
@click.option("--encoding", help="Text encoding of the CSV file (default: the run's, or utf-8).")
@click.option("--delimiter", help="Field separator of the CSV file (default: the run's, or "
                                  "told from the header line).")
@_debug_option
def predict(model_path, images, top, out_path, encoding, delimiter):
    """Classify IMAGE files (PNG, JPEG..., any size or colour), or predict
    the rows of a CSV table, with a saved MODEL.

    Each image is made to look like an MNIST digit: grayscale, a white
    background inverted, cropped to the ink, scaled into a 20x20 box and
    centred in 28x28 (or the model's own square size). An image that cannot
    be used is named on standard error, the others are predicted, and the
    exit status is 1.

    A table's columns are taken by the names of the features the model was
    trained on (from the run's metrics.json); the output has each row's
    number in the file (1 = the first row after the header), the predicted
    label and every class's probability, or the predicted value.
    """
    import numpy as np

    from ..errors import InvalidArgumentError, NNZeroError
    from ..model import load_model
    from .images import image_to_input, open_image
    from .tables import is_table, predict_csv

    model = load_model(model_path, compile=True)
    if any(is_table(path) for path in images):
        if len(images) != 1:
            raise InvalidArgumentError("predict reads one CSV table at a time (and no images "
                                       f"with it). Received: {', '.join(images)}")
        table = predict_csv(model, model_path, images[0], encoding=encoding,
                            delimiter=delimiter)
        if out_path is None:
            click.echo(table.to_csv(), nl=False)
        else:
            table.write(out_path)
            click.echo(f"Wrote {len(table.rows)} predictions to {out_path}")
        return 0
    if out_path is not None or encoding is not None or delimiter is not None:
        raise InvalidArgumentError("--out, --encoding and --delimiter apply to a CSV table, "
                                   "not to images.")
    width = model.input_shape[0] if len(model.input_shape) == 1 else None
    side = int(round(width ** 0.5)) if width else 0
    if not width or side * side != width:
        raise InvalidArgumentError(
            f"{model_path} takes inputs of shape {model.input_shape}, not square images; "
            "predict reads images for models trained on mnist, fashion-mnist or digits.")
    names = _class_names(Path(model_path))
    inputs, usable, first_error = [], [], None
    for path in images:
        try:
            inputs.append(image_to_input(open_image(path), side=side))
            usable.append(path)
        except NNZeroError as err:  # one bad file must not cost the others' predictions
            named = err if path in str(err) else type(err)(f"{path}: {err}")
            if len(images) == 1:
                raise named from None
            first_error = first_error or named
            click.echo(f"nnzero: error: {named}", err=True)
    if inputs:
        probabilities = model.predict_proba(np.stack(inputs).astype(model.dtype))
        if probabilities.shape[1] == 1:
            probabilities = np.hstack([1.0 - probabilities, probabilities])
        for path, row in zip(usable, probabilities, strict=True):
            best = np.argsort(row)[::-1][:top]
            shown = "  ".join(f"{_name(names, i)} ({row[i]:.1%})" for i in best)
            click.echo(f"{path}: {shown}")
    if not usable:  # nothing to predict: the file's own problem is the usage error
        raise first_error
    return 0 if len(usable) == len(images) else 1


def _class_names(model_path: Path):
    """Class names from the run's metrics.json beside the model, if any."""
    metrics = model_path.with_name("metrics.json")
    try:
        names = json.loads(metrics.read_text(encoding="utf-8")).get("class_names")
    except (OSError, ValueError, AttributeError):
        return None
    return names if isinstance(names, list) else None


def _name(names, i):
    return str(names[i]) if names and i < len(names) else str(i)


@cli.command("export-onnx")
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_path", metavar="OUT.onnx", type=click.Path(dir_okay=False))
@click.option("--opset", type=click.IntRange(13), default=17, show_default=True,
              help="ONNX operator set version.")
@_debug_option
def export_onnx(model_path, out_path, opset):
    """Write a saved MODEL as an ONNX file (needs: pip install 'nnzero[onnx]')."""
    from ..onnx import export_onnx_file

    export_onnx_file(model_path, out_path, opset=opset)
    click.echo(f"Wrote {out_path}")
    return 0


# -- report, datasets, demo ---------------------------------------------------------------

@cli.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Where to write the page (default RUN_DIR/report.html).")
@_debug_option
def report(run_dir, output):
    """Rebuild RUN_DIR/report.html from the files of a training run."""
    from ..report import write_report

    click.echo(f"Wrote {write_report(run_dir, output)}")
    return 0


@cli.command()
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Also look in this directory (as train's --data-dir).")
@click.option("--no-verify", is_flag=True, help="Do not read the files to check their SHA-256.")
@_debug_option
def datasets(data_dir, no_verify):
    """List the datasets, where each was found, and verify their checksums."""
    from ..errors import InvalidArgumentError
    from .catalog import dataset_rows, format_rows

    if data_dir is not None and not Path(data_dir).is_dir():
        raise InvalidArgumentError(f"--data-dir {data_dir!r} is not a directory (it does not "
                                   "exist, or is a file).")

    rows = dataset_rows(data_dir, verify=not no_verify)
    click.echo(format_rows(rows))
    return 0 if all(row.ok for row in rows) else 1


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo(args):
    """Train the MNIST demo network (what `make demo` runs; --help for its options)."""
    from ..demo import main as demo_main

    return demo_main(list(args))


cli.add_command(playground)

cli.add_command(compare_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
