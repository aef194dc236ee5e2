"""Files written by an older nnzero load and resume in this one.

``tests/fixtures/v0_1_files`` holds models and a mid-epoch checkpoint that
nnzero 0.1.0 wrote before the package was reorganised (see
``make_fixtures.py`` there). The file format did not change, so each must
load, predict the same numbers and, for the checkpoint, resume to the same
final weights as the uninterrupted run of that version.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import nnzero as nz

FIXTURES = Path(__file__).parent / "fixtures" / "v0_1_files"
EXPECTED = np.load(FIXTURES / "expected.npz")


@pytest.mark.parametrize("name", ["mlp_adam", "batchnorm_sgd", "logits_rmsprop"])
def test_a_model_saved_by_0_1_loads_and_predicts_the_same(name):
    model = nz.load_model(FIXTURES / f"{name}.nnz")
    np.testing.assert_array_equal(model.predict(EXPECTED["x"]), EXPECTED[f"{name}_predict"])


@pytest.mark.parametrize("name", ["mlp_adam", "batchnorm_sgd", "logits_rmsprop"])
def test_a_model_saved_by_0_1_trains_on_with_its_optimizer_state(name):
    model = nz.load_model(FIXTURES / f"{name}.nnz")
    before = model.get_weights()
    model.fit(EXPECTED["x"], EXPECTED["y"], epochs=1, batch_size=16, verbose=0)
    after = model.get_weights()
    assert all(np.isfinite(w).all() for w in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_a_checkpoint_written_by_0_1_resumes_to_the_uninterrupted_weights(tmp_path):
    directory = tmp_path / "run"
    shutil.copytree(FIXTURES / "checkpoint_run", directory)
    model = nz.Sequential([
        nz.layers.Dense(8, activation="relu", kernel_regularizer=nz.regularizers.L2(1e-3)),
        nz.layers.Dropout(0.1),
        nz.layers.Dense(3, activation="softmax"),
    ], seed=3)
    model.compile(optimizer=nz.optimizers.Adam(0.01, amsgrad=True),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(EXPECTED["x"], EXPECTED["y"], epochs=5, batch_size=16, verbose=0,
                        checkpoint_dir=directory)
    assert len(history.history["loss"]) == 5
    np.testing.assert_array_equal(model.predict(EXPECTED["x"]),
                                  EXPECTED["checkpoint_final_predict"])


def test_a_checkpoint_written_by_0_1_loads_as_a_model():
    model = nz.load_model(FIXTURES / "checkpoint_run" / "checkpoint.nnz")
    assert model.predict(EXPECTED["x"]).shape == (64, 3)
