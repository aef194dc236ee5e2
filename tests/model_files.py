"""Valid model files to damage: the tests of hostile files (test_hostile_model.py)
and of refused files (test_saving.py) start from the same few models."""

import numpy as np
from safetensors import safe_open

import nnzero as nz


def _saved(model, tmp_path, name):
    path = tmp_path / name
    model.save(path)
    with safe_open(str(path), framework="numpy") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def original_files(tmp_path):
    """A few valid files: (metadata, tensors) of differently built models."""
    x, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
    plain = nz.Sequential([nz.layers.Dense(5, activation="relu"), nz.layers.Dropout(0.2),
                           nz.layers.Dense(3, activation="softmax")])
    plain.compile(optimizer=nz.optimizers.Adam(amsgrad=True),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    plain.fit(x, y, epochs=1, verbose=0)
    regularized = nz.Sequential(
        [nz.layers.Flatten(), nz.layers.Dense(2, activation="elu",
                                              kernel_regularizer=nz.regularizers.L2(0.1)),
         nz.layers.Activation("sigmoid")], dtype="float64")
    schedule = nz.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    regularized.compile(optimizer=nz.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    regularized.fit(x.reshape(8, 2, 2), np.ones((8, 2)), epochs=1, verbose=0)
    uncompiled = nz.Sequential([nz.layers.Dense(1, use_bias=False)])
    uncompiled.build((3,))
    augmented = nz.Sequential([nz.layers.RandomTranslation(1, image_shape=(2, 8)),
                               nz.layers.RandomFlip(), nz.layers.Dense(3, activation="softmax")])
    augmented.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    augmented.fit(np.tile(x, (1, 4)), y, epochs=1, verbose=0)
    return [_saved(m, tmp_path, f"{i}.nnz")
            for i, m in enumerate([plain, regularized, uncompiled, augmented])]
