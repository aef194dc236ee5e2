"""The real ``nnzero`` command, run in a subprocess as a user runs it."""

from __future__ import annotations

import csv
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nnzero.cli.images import image_to_input
from nnzero.cli.progress import ProgressBar


def nnzero(*args, cwd=None, env=None, timeout=120):
    """Run ``python -m nnzero ARGS``; return the completed process."""
    full_env = dict(os.environ, NNZERO_OFFLINE="1", MPLBACKEND="Agg", **(env or {}))
    return subprocess.run([sys.executable, "-m", "nnzero", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One short training run on scikit-learn's digits, shared by the tests below."""
    out = tmp_path_factory.mktemp("cli") / "digits"
    ok(nnzero("train", "--dataset", "digits", "--limit", "600", "--epochs", "2",
              "--layers", "32", "--learning-rate", "0.01", "--out", out))
    return out


def draw_digit(path, size=(160, 220), colour="RGB"):
    """A dark '7' on a white background, off-centre, as a person might draw it."""
    image = Image.new(colour, size, "white")
    ImageDraw.Draw(image).line([(30, 30), (130, 30), (70, 200)], fill="black", width=16)
    image.save(path)
    return path


# -- train ------------------------------------------------------------------------------

def test_train_writes_the_run_directory(digits_run):
    expected = {"model.nnz", "history.json", "history.csv", "metrics.json", "config.toml",
                "predictions.csv", "report.html", "history.png", "confusion_matrix.png",
                "misclassified.png", "first_layer_weights.png"}
    assert expected <= {p.name for p in digits_run.iterdir()}
    metrics = json.loads((digits_run / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["n_train"] + metrics["n_val"] == 600
    assert metrics["config"]["layers"] == [32] and metrics["seed"] == 0
    assert {"nnzero", "numpy"} <= set(metrics["versions"])
    assert 0.0 <= metrics["test_accuracy"] <= 1.0


def test_train_from_toml_with_csv_and_flag_override(tmp_path):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(160, 2))
    with (tmp_path / "points.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x", "y", "side"])
        writer.writerows([f"{a:.4f}", f"{b:.4f}", "left" if a < 0 else "right"]
                         for a, b in points)
    (tmp_path / "run.toml").write_text(
        'csv = "points.csv"\ntarget = "side"\nlayers = [8]\nepochs = 50\nbatch-size = 16\n')
    result = ok(nnzero("train", "--config", "run.toml", "--epochs", "1", "--out", "out",
                       cwd=tmp_path))
    assert "Epoch 1/1" in result.stdout and "Epoch 2/" not in result.stdout
    assert "\r" not in result.stdout  # no progress bar when stdout is not a terminal
    out = tmp_path / "out"
    assert (out / "decision_boundary.png").is_file()  # two features: the boundary is drawn
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["class_names"] == ["left", "right"] and metrics["config"]["batch_size"] == 16


def test_quiet_prints_nothing(tmp_path):
    result = ok(nnzero("train", "--dataset", "xor", "--samples", "100", "--epochs", "1",
                       "--layers", "4", "--no-plots", "--quiet", "--out", tmp_path / "r"))
    assert result.stdout == "" and result.stderr == ""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_progress_bar_on_a_terminal(tmp_path):
    """With a terminal on stdout the epoch is drawn as a live bar."""
    main, secondary = pty.openpty()
    command = [sys.executable, "-m", "nnzero", "train", "--dataset", "xor", "--samples", "200",
               "--epochs", "2", "--layers", "4", "--batch-size", "8", "--no-plots",
               "--out", str(tmp_path / "r")]
    process = subprocess.Popen(command, stdout=secondary, stderr=secondary,
                               env=dict(os.environ, NNZERO_OFFLINE="1", MPLBACKEND="Agg"))
    os.close(secondary)
    output = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait(timeout=60) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "Epoch 2/2" in text and "\r" in text and "val_acc=" in text and "sample" in text


def test_progress_bar_callback_shows_running_loss_and_accuracy():
    import io

    import nnzero as nz

    model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    out = io.StringIO()
    model.fit(np.ones((64, 3)), np.arange(64) % 2, epochs=2, batch_size=8, verbose=0,
              callbacks=[ProgressBar(64, 2, file=out, bar=True)])
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    assert "64/64" in text and "loss=" in text and "acc=" in text


# -- evaluate, predict, report, datasets, demo -----------------------------------------------

def test_evaluate_prints_loss_and_accuracy(digits_run):
    # Without --dataset the run's config.toml beside the model says which data it was.
    result = ok(nnzero("evaluate", digits_run / "model.nnz"))
    assert result.stdout.startswith("digits test set (360 samples): loss ")
    metrics = json.loads((digits_run / "metrics.json").read_text())
    assert f"accuracy {metrics['test_accuracy']:.4f}" in result.stdout


def test_evaluate_json(digits_run, capsys):
    from nnzero.cli import main

    assert main(["evaluate", str(digits_run / "model.nnz"), "--dataset", "digits", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    metrics = json.loads((digits_run / "metrics.json").read_text())
    assert scores["samples"] == 360
    assert scores["accuracy"] == pytest.approx(metrics["test_accuracy"])


def test_predict_prints_top_three(digits_run, tmp_path):
    seven = draw_digit(tmp_path / "seven.png")
    grey = draw_digit(tmp_path / "grey.png", size=(40, 90), colour="L")
    result = ok(nnzero("predict", digits_run / "model.nnz", seven, grey))
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(seven))
    assert all(line.count("%") == 3 for line in lines)


def test_image_preprocessing_matches_mnist_framing(tmp_path):
    x = image_to_input(Image.open(draw_digit(tmp_path / "d.png", size=(400, 300)))).reshape(28, 28)
    rows, cols = np.flatnonzero(x.max(axis=1) > 0.1), np.flatnonzero(x.max(axis=0) > 0.1)
    assert rows[-1] - rows[0] + 1 <= 21 and cols[-1] - cols[0] + 1 <= 21  # a 20x20 box
    assert x[0].max() == 0 and x[-1].max() == 0  # a black frame around it
    ys, xs = np.indices(x.shape)
    centre = ((ys * x).sum() / x.sum(), (xs * x).sum() / x.sum())
    assert abs(centre[0] - 13.5) <= 1 and abs(centre[1] - 13.5) <= 1  # mass centred


def test_report_rebuilds_the_page(digits_run):
    (digits_run / "report.html").unlink()
    result = ok(nnzero("report", digits_run))
    assert "report.html" in result.stdout
    assert (digits_run / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_datasets_lists_every_set(tmp_path):
    result = ok(nnzero("datasets", "--no-verify", env={"XDG_CACHE_HOME": str(tmp_path)}))
    for name in ("mnist", "fashion-mnist", "digits", "moons", "circles", "blobs", "xor",
                 "spirals", "tutorial_001"):
        assert f"\n{name} " in result.stdout


def test_datasets_flags_files_that_fail_their_checksum(tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (fake / name).write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 0]))
    result = nnzero("datasets", "--data-dir", fake)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and str(fake) in result.stdout


def test_demo_is_reachable():
    result = ok(nnzero("demo", "--help"))
    assert "--epochs" in result.stdout


def test_help_and_version():
    assert "nnzero demo" in ok(nnzero("--help")).stdout
    assert ok(nnzero("--version")).stdout.strip() == "nnzero 0.1.0"


# -- errors: 2 for usage and config, 1 for failures while working ------------------------------

def test_no_arguments_is_a_usage_error():
    result = nnzero()
    assert result.returncode == 2 and "Commands:" in result.stdout


def test_bad_flag_is_a_usage_error():
    result = nnzero("train", "--epoch", "3")
    assert result.returncode == 2 and "Did you mean '--epochs'?" in result.stderr


def test_bad_flag_value_is_a_usage_error():
    result = nnzero("train", "--epochs", "three")
    assert result.returncode == 2 and "'three' is not a valid integer" in result.stderr


def test_unknown_config_key_names_the_closest(tmp_path):
    (tmp_path / "run.toml").write_text("dataset = 'xor'\nlearnig_rate = 0.1\n")
    result = nnzero("train", "--config", tmp_path / "run.toml")
    assert result.returncode == 2
    assert "Unknown key 'learnig_rate'" in result.stderr
    assert "Did you mean 'learning_rate'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_model_file_is_a_usage_error(tmp_path):
    result = nnzero("evaluate", tmp_path / "none.nnz", "--dataset", "digits")
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_corrupt_model_file_is_a_failure(tmp_path):
    bad = tmp_path / "bad.nnz"
    bad.write_bytes(b"\x00" * 64)
    result = nnzero("evaluate", bad, "--dataset", "digits")
    assert result.returncode == 1 and "not an nnzero model" in result.stderr
    assert "Traceback" not in result.stderr and "--debug" in result.stderr
    debug = nnzero("evaluate", bad, "--dataset", "digits", "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_unreadable_or_blank_image_is_a_usage_error(digits_run, tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    result = nnzero("predict", digits_run / "model.nnz", tmp_path / "notes.png")
    assert result.returncode == 2 and "not an image" in result.stderr
    Image.new("L", (30, 30), 255).save(tmp_path / "blank.png")
    result = nnzero("predict", digits_run / "model.nnz", tmp_path / "blank.png")
    assert result.returncode == 2 and "blank" in result.stderr


def test_dataset_not_found_is_a_usage_error(tmp_path):
    if Path("/usr/share/datasets/mnist").is_dir():
        pytest.skip("this machine has MNIST installed system-wide")
    (tmp_path / "nothing").mkdir()  # an empty directory: looked in, nothing found
    result = nnzero("train", "--dataset", "mnist", "--data-dir", tmp_path / "nothing",
                    env={"NNZERO_DATA": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "MNIST not found" in result.stderr and "Places tried" in result.stderr
