"""Draw every figure of nnzero.plot into docs/gallery/ and write docs/gallery.md.

Each figure is one function below; ``docs/gallery.md`` shows the figure
beside the source of the function that drew it, so the page can never show
code other than what ran. ``make gallery`` runs this script.

Every function receives ``small``: False draws the documentation's figures
(MNIST where ``NNZERO_DATA`` or the user cache has it, else scikit-learn's
8x8 digits), True draws the same figure in seconds on tiny data, which is
what the tests do.

    NNZERO_DATA=../shared/data python examples/gallery.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import sys
import time
from functools import lru_cache
from pathlib import Path

import nnzero as nz
from nnzero import plot

ROOT = Path(__file__).resolve().parents[1]
FIGURES = []  # (name, title, text, function), in page order


def figure(name, title, text):
    def register(function):
        FIGURES.append((name, title, text, function))
        return function
    return register


@lru_cache(maxsize=2)
def images(small):
    """``(x_train, y_train, x_test, y_test, image_shape)``: MNIST (pixels in
    [0, 1]) when it is found and ``small`` is false, else the 8x8 digits."""
    if not small:
        try:
            (x, y), (xt, yt) = nz.datasets.load_mnist(download=False)
            return x, y, xt, yt, (28, 28)
        except nz.DatasetNotFoundError:
            pass
    (x, y), (xt, yt) = nz.datasets.load_digits_fallback()
    return x / 16.0, y, xt / 16.0, yt, (8, 8)


@lru_cache(maxsize=2)
def trained_net(small):
    """784-128-64-10 (ReLU, Adam) after three epochs on MNIST (one epoch on
    2,000 digits when ``small``)."""
    x, y, _, _, _ = images(small)
    model = small_net(small, 128, 64)
    model.fit(x[:2000] if small else x, y[:2000] if small else y,
              epochs=1 if small else 3, batch_size=128, verbose=0)
    return model


def small_net(small, *sizes):
    """A ReLU network with a softmax output, compiled with Adam."""
    layers = [nz.layers.Dense(n, activation="relu") for n in sizes]
    model = nz.Sequential([*layers, nz.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# -- the figures ---------------------------------------------------------------------


@figure("architecture_small", "A small network, neuron by neuron",
        "Every weight is a line: red positive, blue negative, thicker the larger. "
        "Tutorial 001's picture of a network, drawn from a trained model.")
def architecture_small(small):
    x, y = nz.datasets.make_moons(200, noise=0.2, seed=0)
    model = nz.Sequential([nz.layers.Dense(5, activation="tanh"),
                           nz.layers.Dense(4, activation="tanh"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=5 if small else 200, batch_size=32, verbose=0)
    return plot.architecture(model)


@figure("architecture_blocks", "A large network, layer by layer",
        "mnist_mlp's network: each block gives the shapes of W and b — tutorial 000's "
        "rule that W of a layer is (inputs, units) and b is (units,).")
def architecture_blocks(small):
    model = nz.Sequential([nz.layers.Dropout(0.2),
                           nz.layers.Dense(800, activation="relu"), nz.layers.Dropout(0.3),
                           nz.layers.Dense(800, activation="relu"), nz.layers.Dropout(0.3),
                           nz.layers.Dense(10, activation="softmax")], seed=0)
    model.build((784,))
    return plot.architecture(model)


@figure("activations", "Activation functions and their derivatives",
        "Computed by the library's own forward and derivative code. The sigmoid's slope "
        "never exceeds 1/4, the root of tutorial 003's vanishing gradients.")
def activations(small):
    return plot.activations(points=101 if small else 401)


@figure("optimizer_paths", "Optimizers on tutorial 004's surface",
        "The library's optimizer objects updating a single point (x, y) on "
        "f(x, y) = x·exp(−x²−y²): the same apply() that trains networks.")
def optimizer_paths(small):
    return plot.optimizer_paths("x_exp", (0.4, 0.9), steps=30 if small else 100,
                                resolution=40 if small else 200)


@figure("optimizer_paths_rosenbrock", "Optimizers in Rosenbrock's valley",
        "A long curved valley: plain SGD crawls along it, Adam's per-coordinate step "
        "sizes follow it to the minimum at (1, 1).")
def optimizer_paths_rosenbrock(small):
    optimizers = {"SGD": nz.optimizers.SGD(1e-3),
                  "momentum 0.9": nz.optimizers.SGD(2e-4, momentum=0.9),
                  "Nesterov 0.9": nz.optimizers.SGD(2e-4, momentum=0.9, nesterov=True),
                  "AdaGrad": nz.optimizers.AdaGrad(0.5),
                  "RMSprop": nz.optimizers.RMSprop(0.01),
                  "Adam": nz.optimizers.Adam(0.1)}
    return plot.optimizer_paths("rosenbrock", (-1.5, 2.0), optimizers,
                                steps=50 if small else 500, resolution=40 if small else 200)


@figure("optimizer_paths_saddle", "Leaving a saddle point",
        "f = x² − y², starting almost on the ridge: the adaptive methods scale up the tiny "
        "y gradient and leave the saddle at once; SGD and momentum first run to the centre.")
def optimizer_paths_saddle(small):
    return plot.optimizer_paths("saddle", (-1.5, 0.01), steps=20 if small else 40,
                                resolution=40 if small else 200)


@figure("samples", "Sample digits",
        "Tutorials 000 and 003 begin by looking at the data.")
def samples(small):
    x, y, _, _, shape = images(small)
    return plot.samples(x, y, image_shape=shape, n=16 if small else 36, seed=0)


@figure("first_layer_weights", "What first-layer units look for",
        "Each hidden unit's 784 incoming weights drawn as an image (red positive, blue "
        "negative), after three epochs of a 784-128-64-10 ReLU network.")
def first_layer_weights(small):
    shape = images(small)[4]
    return plot.first_layer_weights(trained_net(small), image_shape=shape, max_units=36)


@figure("hidden_units", "What second-layer units respond to",
        "A second-layer unit's weights act on other units, not on pixels, so it is shown "
        "by its inputs: the mean of the 30 test images that excite it most.")
def hidden_units(small):
    _, _, x_test, _, shape = images(small)
    return plot.hidden_units(trained_net(small), x_test[:300] if small else x_test, layer=1,
                             image_shape=shape, max_units=36, top=30)


@figure("boundary_grid", "Overfitting and L2 on two moons",
        "Tutorial 002's grid with held-out points (hollow) and their accuracy, "
        "one row per L2 strength: the wide networks fit the training points best "
        "and the held-out ones worse, until the penalty smooths them.")
def boundary_grid(small):
    x, y = nz.datasets.make_moons(200, noise=0.3, seed=0)
    x_val, y_val = nz.datasets.make_moons(200, noise=0.3, seed=1)
    return plot.boundary_grid(x, y, hidden_sizes=(3, 20, 100), l2=[0.0, 1e-3, 1e-2],
                              epochs=30 if small else 5000, resolution=30 if small else 150,
                              validation_data=(x_val, y_val), logistic_regression=False)


def _descent_runs(small, batch_sizes, make_optimizer, epochs):
    x, y, _, _, _ = images(small)
    n = 600 if small else 10000
    histories, updates = [], []
    for batch in batch_sizes:
        model = nz.Sequential([nz.layers.Dense(64, activation="relu"),
                               nz.layers.Dense(10, activation="softmax")], seed=0)
        model.compile(optimizer=make_optimizer(batch), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        histories.append(model.fit(x[:n], y[:n], epochs=epochs, batch_size=batch,
                                   validation_split=0.1, verbose=0))
        updates.append(math.ceil(int(n * 0.9) / min(batch, int(n * 0.9))))
    return histories, updates


@figure("compare_descent", "Batch, mini-batch and stochastic descent",
        "The same network and rate (SGD 0.05) on 10,000 MNIST images with one update "
        "per epoch, per 128 images and per image. Per epoch, stochastic descent learns "
        "most; per update, batch descent; per second, mini-batches win.")
def compare_descent(small):
    batches = (9000 if not small else 540, 128, 1)
    histories, updates = _descent_runs(small, batches, lambda b: nz.optimizers.SGD(0.05),
                                       epochs=2 if small else 5)
    return plot.compare(histories, ["batch", "mini-batch 128", "stochastic (1)"], updates)


@figure("compare_optimizers", "Seven optimizers on one network",
        "784-64-10 on 10,000 MNIST images, mini-batches of 128, five epochs each; "
        "the rates are the usual ones for each method.")
def compare_optimizers(small):
    opts = {"SGD": nz.optimizers.SGD(0.1),
            "momentum": nz.optimizers.SGD(0.01, momentum=0.9),
            "Nesterov": nz.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
            "AdaGrad": nz.optimizers.AdaGrad(0.05), "RMSprop": nz.optimizers.RMSprop(1e-3),
            "Adam": nz.optimizers.Adam(1e-3), "AdamW": nz.optimizers.AdamW(1e-3)}
    histories, updates = [], []
    for opt in opts.values():
        h, u = _descent_runs(small, (128,), lambda b, opt=opt: opt, epochs=2 if small else 5)
        histories += h
        updates += u
    return plot.compare(histories, list(opts), updates)


@figure("lr_find", "The learning-rate range test",
        "nnzero.lr_find trains a copy of a 784-128-10 network (Adam) for 200 batches "
        "while the rate grows from 1e-7 to 10; the model itself is not changed.")
def lr_find(small):
    x, y, _, _, _ = images(small)
    model = small_net(small, 128)
    result = nz.lr_find(model, x, y, batch_size=128 if not small else 32,
                        steps=40 if small else 200)
    return plot.lr_find(result)


@figure("layer_stats_tutorial_003", "Why tutorial 003's network learns slowly from its own start",
        "Tutorial 003's 784-128-64-10 sigmoid network trained by per-sample SGD at 0.001 on "
        "10,000 images, LayerStats recording each layer every 250 updates. Top: the "
        "tutorial's own start (no biases, N(0, 1/fan_out) weights): the first layer's "
        "gradient is the smallest and its update-to-weight ratio about 6e-5, five to eight "
        "times below the upper layers' — it learns slowest. Bottom: examples/tutorial_003.toml's "
        "orthogonal kernels with gains 1, 8 and 16: the first layer now gets the largest "
        "gradient and updates near 1e-3 of its weights per step (the dips are single samples "
        "the network already gets right).")
def layer_stats_tutorial_003(small):
    x, y, _, _, _ = images(small)
    n = 400 if small else 10000
    starts = {
        "own start": {"use_bias": False, "kernels": ["scaled_normal"] * 3},
        "tutorial_003.toml": {"use_bias": True, "kernels": [
            {"name": "orthogonal", "gain": g} for g in (1.0, 8.0, 16.0)]},
    }
    runs = {}
    for label, start in starts.items():
        k1, k2, k3 = (nz.initializers.get(k) for k in start["kernels"])
        model = nz.Sequential([
            nz.layers.Dense(128, "sigmoid", use_bias=start["use_bias"], kernel_initializer=k1),
            nz.layers.Dense(64, "sigmoid", use_bias=start["use_bias"], kernel_initializer=k2),
            nz.layers.Dense(10, "softmax", use_bias=start["use_bias"], kernel_initializer=k3),
        ], seed=0)
        model.compile(optimizer=nz.optimizers.SGD(0.001), loss="sparse_categorical_crossentropy")
        runs[label] = nz.callbacks.LayerStats(every=20 if small else 250)
        model.fit(x[:n], y[:n], epochs=1, batch_size=1, callbacks=[runs[label]], verbose=0)
    return plot.layer_stats(runs)


# -- the page ------------------------------------------------------------------------


def source(function) -> str:
    """The function's code without its decorator."""
    lines = inspect.getsource(function).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    return "\n".join(lines[start:])


def page_text(names, image_dir="gallery") -> str:
    """docs/gallery.md: each figure of ``names`` (images in ``image_dir``,
    relative to the page) with the source of the function that drew it."""
    parts = [
        "# Gallery",
        "",
        "Every figure of `nnzero.plot`, drawn by `make gallery` (which runs",
        "`examples/gallery.py`). Below each figure is the function that drew it;",
        "`images(small)` returns MNIST's `(x_train, y_train, x_test, y_test,",
        "image_shape)`, `small_net(small, *sizes)` a compiled ReLU network with a",
        "softmax output and `trained_net(small)` a 784-128-64-10 one after three",
        "epochs (all defined in the script). With `small=True` each figure is",
        "drawn on tiny data, as the tests do.",
        "",
    ]
    for name, title, text, function in FIGURES:
        if name not in names:
            continue
        parts += [f"## {title}", "", text, "", f"![{title}]({image_dir}/{name}.png)", "",
                  "```python", source(function), "```", ""]
    return "\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="draw only these figures (the page still lists all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "gallery.md")
    parser.add_argument("--small", action="store_true", help="tiny data (seconds)")
    args = parser.parse_args(argv)
    known = [name for name, *_ in FIGURES]
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(known)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, _, _, function in FIGURES:
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        plot.save(function(args.small), args.out / f"{name}.png", dpi=90)
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)
    image_dir = Path(os.path.relpath(args.out, args.page.parent)).as_posix()
    args.page.write_text(page_text(known, image_dir), encoding="utf-8")
    print(f"wrote {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

