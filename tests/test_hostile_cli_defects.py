"""Defects found using the library and the command line as a hostile user
would, each with the test that keeps it fixed."""

import pytest

import nnzero as nz


@pytest.mark.parametrize("optimizer", [nz.optimizers.SGD, nz.optimizers.RMSprop])
@pytest.mark.parametrize("momentum", [1.0, 1.5, -0.1, float("nan")])
def test_momentum_outside_zero_to_one_is_refused(optimizer, momentum):
    with pytest.raises(nz.InvalidArgumentError, match=r"`momentum` must be finite and in "
                                                      r"\[0, 1\)"):
        optimizer(momentum=momentum)


@pytest.mark.parametrize("momentum", [0.0, 0.9, 0.999])
def test_momentum_in_zero_to_one_is_accepted(momentum):
    assert nz.optimizers.SGD(momentum=momentum).momentum == momentum


# -- the library ---------------------------------------------------------------------------

def test_a_layer_cannot_be_shared_by_two_models():
    import gc

    import numpy as np

    dense = nz.layers.Dense(2)
    first = nz.Sequential([dense], seed=0)
    first.build((3,))
    before = [w.copy() for w in first.get_weights()]
    with pytest.raises(nz.InvalidArgumentError, match="already belongs to another model"):
        nz.Sequential([dense], seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(before, first.get_weights(), strict=True))
    assert first.get_weights()[0].shape == (3, 2)
    del first
    gc.collect()
    nz.Sequential([dense])  # its model is gone: the layer is free again


def test_single_layer_instead_of_a_list():
    with pytest.raises(nz.InvalidTypeError, match=r"Sequential\(\[Dense\(...\)\]\)") as err:
        nz.Sequential(nz.layers.Dense(2))
    assert isinstance(err.value, TypeError)
    with pytest.raises(nz.InvalidTypeError, match="must be a list of layers"):
        nz.Sequential("dense")


@pytest.mark.parametrize("path", [None, 3, b"model.nnz"])
def test_load_model_of_a_non_path(path):
    with pytest.raises(nz.InvalidTypeError, match="`path` must be a file path") as err:
        nz.load_model(path)
    assert isinstance(err.value, TypeError)


def test_zero_features_are_refused():
    import numpy as np

    model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(nz.InvalidArgumentError, match="has no features"):
        model.fit(np.zeros((10, 0)), np.zeros(10, int), epochs=1, verbose=0)
    assert not model.built


def _diverged_model():
    import warnings

    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nz.Sequential([nz.layers.Dense(16, activation="relu"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(1e6), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    return model, history, x, y


def test_after_divergence_the_weights_give_finite_outputs_and_history_has_keys():
    import math

    import numpy as np

    model, history, x, y = _diverged_model()
    assert history.stopped_reason.startswith("non-finite loss")
    assert history.history["loss"] == [] and history.history["accuracy"] == []
    assert math.isfinite(model.evaluate(x, y)["loss"])
    assert np.isfinite(model.predict_proba(x)).all()


def test_diverged_run_writes_finite_confidences(tmp_path):
    from nnzero.runs import resolve_config, train_run

    config = resolve_config(overrides={"dataset": "moons", "samples": 100, "epochs": 3,
                                       "optimizer": "sgd", "learning_rate": 1e30,
                                       "out": str(tmp_path / "run")})
    train_run(config, plots=False, log=None)
    text = (tmp_path / "run" / "predictions.csv").read_text()
    assert "nan" not in text.lower()


# -- the command line ------------------------------------------------------------------------

def _main(*args):
    from nnzero.cli import main

    return main([str(a) for a in args])


@pytest.mark.parametrize("args, message", [
    (["--seed", str(2**70)], "seed must be at most 4294967295"),
    (["--seed", str(2**32)], "seed must be at most"),
    (["--split-seed", str(2**64)], "split_seed must be at most"),
    (["--momentum", "1.5", "--optimizer", "sgd"], r"`momentum` must be finite and in \[0, 1\)"),
    (["--samples", "1000000000000"], "samples 1000000000000: generating them"),
])
def test_out_of_range_settings_exit_2_in_one_line(capsys, args, message):
    import re

    assert _main("train", "--dataset", "moons", *args, "--out", "/tmp/nnzero-never") == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and len(err.strip().splitlines()) == 1


def test_missing_data_dir_is_refused(tmp_path, capsys):
    assert _main("train", "--dataset", "mnist", "--data-dir", tmp_path / "nope", "--out",
                 tmp_path / "run") == 2
    assert "is not a directory" in capsys.readouterr().err
    assert _main("datasets", "--data-dir", tmp_path / "nope") == 2
    assert "is not a directory" in capsys.readouterr().err


def test_datasets_with_another_sets_files_is_no_failure(monkeypatch):
    from nnzero.cli import catalog

    # MNIST's files pass MNIST's checks and fail Fashion-MNIST's.
    monkeypatch.setattr(catalog, "_verify", lambda spec, directory: (
        "4 files, SHA-256 verified" if spec.name == "mnist" else "FAILED: checksum"))
    monkeypatch.setattr("nnzero.runs.data.find_idx_dataset",
                        lambda name, data_dir: ("data_dir argument", "/somewhere"))
    rows = {row.name: row for row in catalog.dataset_rows("/somewhere")}
    assert rows["mnist"].ok and rows["fashion-mnist"].ok
    assert rows["fashion-mnist"].where == "not found"
    assert "holds mnist's files" in rows["fashion-mnist"].status


def test_datasets_with_a_real_mnist_directory_exits_0(tmp_path, capsys):
    import os
    import shutil
    from pathlib import Path

    source = Path(os.environ.get("NNZERO_DATA", "/nonexistent")) / "mnist"
    if not source.is_dir():
        pytest.skip("NNZERO_DATA/mnist is not set up here")
    for f in source.glob("*-ubyte*"):
        shutil.copy(f, tmp_path)
    assert _main("datasets", "--data-dir", tmp_path) == 0
    assert "holds mnist's files" in capsys.readouterr().out


def test_float_image_in_zero_to_one_is_not_blank():
    import numpy as np
    from PIL import Image

    from nnzero.cli.images import image_to_input

    ink = np.zeros((40, 40), np.float32)
    ink[8:32, 18:22] = 1.0  # a white stroke on black, values in [0, 1]
    as_float = image_to_input(Image.fromarray(ink, mode="F"))
    as_bytes = image_to_input(Image.fromarray((ink * 255).astype(np.uint8), mode="L"))
    np.testing.assert_allclose(as_float, as_bytes, atol=1e-6)
    assert image_to_input(Image.fromarray(ink * 255, mode="F")).max() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits") / "run"
    assert _main("train", "--dataset", "digits", "--limit", "200", "--epochs", "1",
                 "--layers", "8", "--no-plots", "-q", "--out", out) == 0
    return out / "model.nnz"


def _digit(path):
    from PIL import Image, ImageDraw

    image = Image.new("L", (40, 40), "white")
    ImageDraw.Draw(image).line([(10, 8), (30, 8), (18, 34)], fill="black", width=4)
    image.save(path)
    return path


def test_predict_names_a_bad_image_and_predicts_the_others(tmp_path, capsys, digits_model):
    from PIL import Image

    a, b = _digit(tmp_path / "a.png"), _digit(tmp_path / "b.png")
    Image.new("L", (30, 30), "white").save(tmp_path / "blank.png")
    assert _main("predict", digits_model, a, tmp_path / "blank.png", b) == 1
    out, err = capsys.readouterr()
    assert "blank.png" in err and "blank" in err
    assert [line.split(":")[0] for line in out.splitlines()] == [str(a), str(b)]


def test_predict_of_a_single_bad_image_is_a_usage_error(tmp_path, capsys, digits_model):
    from PIL import Image

    Image.new("L", (30, 30), "white").save(tmp_path / "blank.png")
    assert _main("predict", digits_model, tmp_path / "blank.png") == 2
    assert "blank.png" in capsys.readouterr().err


def test_errors_naming_file_and_line_have_no_debug_hint(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,2,x\n1,oops,y\n")
    assert _main("train", "--csv", bad, "--target", "label", "--out", tmp_path / "run") == 1
    err = capsys.readouterr().err
    assert "line 3" in err and "--debug" not in err
