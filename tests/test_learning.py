"""Real learning on small problems, each with a fixed seed and an epoch count
measured to be several times what it needs: XOR, two moons, scikit-learn's
digits, and a network with dropout. The perceptron's learning is in
test_perceptron.py, the statistics of dropout in test_layers.py."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

import nnzero as nz
from nnzero.layers import Dense, Dropout
from small_models import XOR_X, XOR_Y

# -- XOR -----------------------------------------------------------------------------


def test_xor_softmax_adam():
    # Needs about 10 epochs with this seed.
    model = nz.Sequential([Dense(8, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile(
        optimizer=nz.optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(XOR_X, XOR_Y, epochs=100, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert model.predict_classes(XOR_X).tolist() == [0, 1, 1, 0]
    assert model.evaluate(XOR_X, XOR_Y)["loss"] < 0.05


def test_xor_sigmoid_binary_crossentropy():
    # Needs about 11 epochs with this seed.
    model = nz.Sequential([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss="bce", metrics=["accuracy"])
    model.fit(XOR_X, XOR_Y, epochs=100, batch_size=4, verbose=0)
    assert model.predict_classes(XOR_X).tolist() == [0, 1, 1, 0]
    assert model.evaluate(XOR_X, XOR_Y)["accuracy"] == 1.0


def test_xor_classic_sigmoid_mse_sgd_momentum():
    # The tutorials' 2-4-1 sigmoid network with squared error; needs ~65 epochs.
    model = nz.Sequential([Dense(4, activation="sigmoid"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(0.5, momentum=0.9), loss="mse", metrics=["accuracy"])
    history = model.fit(XOR_X, XOR_Y, epochs=500, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    out = model.predict(XOR_X)[:, 0]
    assert (np.abs(out - XOR_Y) < 0.2).all()


# -- two moons -----------------------------------------------------------------------


def moons_model(seed=0):
    model = nz.Sequential(
        [
            Dense(16, activation="tanh"),
            Dense(16, activation="tanh"),
            Dense(2, activation="softmax"),
        ],
        seed=seed,
    )
    model.compile(
        optimizer=nz.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_two_moons_test_accuracy():
    # With noise 0.2 the two moons overlap: the best possible accuracy is
    # about 97 % (an RBF SVM trained on 20,000 points scores 97.1 % on
    # 20,000 more), so a 100-point test set reaches 97 % only on a favourable
    # draw. This fixed draw is one; the next test checks the learner against a
    # reference on a large fresh sample instead. Here 40 epochs suffice; every
    # seed 0-4 scores 99 % at 40, 60 and 80 epochs.
    x, y = make_moons(400, noise=0.2, random_state=4)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    model = moons_model()
    model.fit(x_train, y_train, epochs=60, batch_size=32, verbose=0)
    assert model.evaluate(x_test, y_test)["accuracy"] >= 0.97


def test_two_moons_matches_a_reference_on_fresh_data():
    # Trained on 300 points, scored on 5,000 new ones: nnzero's MLP is as good
    # as scikit-learn's RBF SVM on the same data (both about 96.5 %, close to
    # the best possible) and far above a linear boundary (about 86 %).
    x, y = make_moons(300, noise=0.2, random_state=0)
    x_new, y_new = make_moons(5000, noise=0.2, random_state=1000)
    model = moons_model()
    model.fit(x, y, epochs=60, batch_size=32, verbose=0)
    accuracy = model.evaluate(x_new, y_new)["accuracy"]
    reference = SVC().fit(x, y).score(x_new, y_new)
    assert accuracy >= 0.955
    assert accuracy >= reference - 0.01


# -- digits --------------------------------------------------------------------------


def test_sklearn_digits():
    # 10 epochs already give 97 %; every seed 0-3 stays at 97-98.5 % up to 30.
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    model = nz.Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")], seed=0)
    model.compile(
        optimizer=nz.optimizers.Adam(0.005),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train, y_train, epochs=15, batch_size=32, validation_data=(x_test, y_test), verbose=0
    )
    assert model.evaluate(x_test, y_test)["accuracy"] >= 0.95
    assert history.history["val_accuracy"][-1] >= 0.95
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    assert np.mean(model.predict_classes(x_test) == y_test) >= 0.95


def test_digits_one_hot_from_logits_matches_sparse():
    # Same data, same seed: one-hot targets with categorical cross-entropy on
    # logits learn the same model as class indices with the fused softmax.
    x, y = load_digits(return_X_y=True)
    x = x[:600] / 16.0
    y = y[:600]

    def train(loss, targets, output):
        model = nz.Sequential(
            [Dense(32, activation="relu"), Dense(10, activation=output)], seed=1, dtype="float64"
        )
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        model.fit(x, targets, epochs=3, batch_size=50, shuffle=False, verbose=0)
        return model

    sparse = train("sparse_categorical_crossentropy", y, "softmax")
    logits = train(nz.losses.CategoricalCrossentropy(from_logits=True), np.eye(10)[y], None)
    for a, b in zip(sparse.get_weights(), logits.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse.predict(x), logits.predict_proba(x), atol=1e-9)



# -- dropout -------------------------------------------------------------------------


def test_dropout_still_learns():
    x, y = make_moons(300, noise=0.1, random_state=0)
    model = nz.Sequential(
        [Dense(64, activation="relu"), Dropout(0.3), Dense(2, activation="softmax")], seed=0
    )
    model.compile(
        optimizer=nz.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=60, batch_size=32, verbose=0)
    assert model.evaluate(x, y)["accuracy"] >= 0.95
