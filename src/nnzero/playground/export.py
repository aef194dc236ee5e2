"""What the export buttons give: the model file, a run config with its data, Python code.

The config and the code train on ``playground-data.csv``: the network's
inputs (the chosen features, computed) and the label of every point, in
the playground's order, written so that they read back as the very same
float32 numbers. With the same seed, split, network and optimizer,
``nnzero train --config playground.toml`` and the code train the same
weights the page shows.

Example
-------
>>> from nnzero.playground.session import Session
>>> from nnzero.playground.export import python_code
>>> "nz.Sequential" in python_code(Session())
True
"""

from __future__ import annotations

import json

from ..model.file_format import model_file_bytes
from .data import FEATURE_COLUMNS, points_csv
from .session import optimizer_settings
from .settings import PlaygroundError

__all__ = ["DATA_FILE", "config_toml", "data_csv", "model_bytes", "python_code"]

DATA_FILE = "playground-data.csv"


def model_bytes(session) -> bytes:
    """The trained model as the bytes of a ``.nnz`` file (what ``Sequential.save`` writes)."""
    with session.lock:
        return model_file_bytes(session.model)


def data_csv(session) -> str:
    """Every point as the network sees it: the features, then the label."""
    with session.lock:
        s = session.settings
        return points_csv(session.inputs, session.labels, s["features"], s["problem"])


def config_toml(session) -> str:
    """A run config that ``nnzero train --config`` trains to the page's weights.

    Raises
    ------
    PlaygroundError
        The run has something ``nnzero train`` does not do: regression (it
        classifies) or L1 regularisation (it has L2 only).
    """
    with session.lock:
        s = session.settings
        if s["problem"] != "classification":
            raise PlaygroundError("export-config: nnzero train classifies; a regression run has "
                                  "no run config. The Python export reproduces it.")
        if s["regularization"] == "l1" and s["reg_rate"] > 0:
            raise PlaygroundError("export-config: nnzero train has L2 regularisation only; "
                                  "the Python export reproduces an L1 run.")
        opt = optimizer_settings(s)
        config = {
            "csv": DATA_FILE,
            "target": "label",
            "standardize": False,  # the page trains on the features as they are
            "test_split": 1.0 - s["train_ratio"],
            "validation_split": 0.0,
            "layers": list(s["layers"]),
            "activation": s["activation"],
            "kernel_initializer": "glorot_uniform",
            "loss": "binary_crossentropy",
            "optimizer": opt["name"],
            "learning_rate": opt["learning_rate"],
            "momentum": opt.get("momentum", 0.0),
            "epochs": max(session.epoch, 1),
            "batch_size": s["batch_size"],
            "dropout": s["dropout"],
            "batch_norm": s["batch_norm"],
            "l2": s["reg_rate"] if s["regularization"] == "l2" else 0.0,
            "seed": s["seed"],
            "dtype": "float32",
            "out": "runs/playground",
        }
        note = "" if session.epoch else (
            "# The page had not trained yet; nnzero train runs at least one epoch.\n")
        return (
            "# Exported by nnzero playground. Save the data export as "
            f"{DATA_FILE} in the same folder,\n"
            "# then run there: nnzero train --config playground.toml\n"
            f"# Inputs: {', '.join(FEATURE_COLUMNS[f] for f in s['features'])}; "
            f"{_epochs(session.epoch)} trained on the page.\n" + note
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in config.items())
        )


def python_code(session) -> str:
    """A script that trains the same network on the exported data."""
    with session.lock:
        s = session.settings
        classify = s["problem"] == "classification"
        reg = ""
        if s["regularization"] != "none" and s["reg_rate"] > 0:
            kind = "L1" if s["regularization"] == "l1" else "L2"
            reg = f", kernel_regularizer=nz.regularizers.{kind}({s['reg_rate']!r})"
        lines = []
        for units in s["layers"]:
            if s["batch_norm"]:
                lines += [f"nz.layers.Dense({units}, use_bias=False{reg}),",
                          "nz.layers.BatchNormalization(),",
                          f"nz.layers.Activation({_q(s['activation'])}),"]
            else:
                lines.append(f"nz.layers.Dense({units}, activation={_q(s['activation'])}{reg}),")
            if s["dropout"]:
                lines.append(f"nz.layers.Dropout({s['dropout']!r}),")
        out_act = "sigmoid" if classify else "linear"
        lines.append(f"nz.layers.Dense(1, activation={_q(out_act)}{reg}),")
        stack = "\n".join(f"    {line}" for line in lines)
        loss = "binary_crossentropy" if classify else "mse"
        metrics = '["accuracy"]' if classify else "[]"
        # fit takes at least one epoch; an untrained page exports the untrained network.
        fit = (f"model.fit(x_train, y_train, epochs={session.epoch}, "
               f"batch_size={s['batch_size']}, verbose=0)\n" if session.epoch else "")
        encode = ("y = y.astype(np.float32)" if classify
                  else "y = np.asarray(y, dtype=np.float32)")
        inputs = ", ".join(FEATURE_COLUMNS[f] for f in s["features"])
        return f'''"""The network trained in nnzero playground, as a script.

Put {DATA_FILE} (the page's data export) beside this file. Inputs:
{inputs}. The page had trained {_epochs(session.epoch)}.
"""
import numpy as np

import nnzero as nz

x, y, _ = nz.datasets.load_csv({_q(DATA_FILE)}, target="label")
{encode}
rows = np.arange(len(y)).reshape(-1, 1)
try:  # stratified where every class has enough points, as the page splits
    (train, _), (test, _) = nz.datasets.train_val_split(
        rows, y, val_fraction={1.0 - s["train_ratio"]!r}, seed={s["seed"]}, stratify={classify})
except nz.NNZeroError:
    (train, _), (test, _) = nz.datasets.train_val_split(
        rows, y, val_fraction={1.0 - s["train_ratio"]!r}, seed={s["seed"]}, stratify=False)
train, test = train[:, 0], test[:, 0]
x_train, y_train = x[train], y[train].reshape(-1, 1)
x_test, y_test = x[test], y[test].reshape(-1, 1)

model = nz.Sequential([
{stack}
], seed={s["seed"]}, dtype="float32")
model.compile(optimizer=nz.optimizers.get({_q(optimizer_settings(s))}),
              loss={_q(loss)}, metrics={metrics})
{fit}print("train", model.evaluate(x_train, y_train))
print("test", model.evaluate(x_test, y_test))
model.save("playground.nnz")
'''


def _q(value) -> str:
    # JSON's strings, numbers and tables of them are Python literals too, in one quote style.
    return json.dumps(value)


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"
