"""The commands that take a saved model: ``nnzero evaluate``, ``nnzero predict``
and ``nnzero export-onnx``.

Example
-------
>>> from nnzero.cli.model_commands import evaluate, export_onnx, predict
>>> evaluate.name, predict.name, export_onnx.name
('evaluate', 'predict', 'export-onnx')
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import debug_option

_DATA_KEYS = ("dataset", "csv", "target", "encoding", "delimiter", "data_dir", "samples",
              "seed", "test_split", "loss")


@click.command()
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
@debug_option
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


@click.command()
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
@debug_option
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


@click.command("export-onnx")
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_path", metavar="OUT.onnx", type=click.Path(dir_okay=False))
@click.option("--opset", type=click.IntRange(13), default=17, show_default=True,
              help="ONNX operator set version.")
@debug_option
def export_onnx(model_path, out_path, opset):
    """Write a saved MODEL as an ONNX file (needs: pip install 'nnzero[onnx]')."""
    from ..onnx import export_onnx_file

    export_onnx_file(model_path, out_path, opset=opset)
    click.echo(f"Wrote {out_path}")
    return 0
