"""The same network trained by nnzero, PyTorch, scikit-learn and JAX.

Each runner is built from a :class:`Case` and the training data and offers
``epoch()`` (one timed pass over the training data, finished when it
returns), ``predict(x, batch)`` (class probabilities, as a NumPy array) and
``accuracy(x, y)``. All see the same float32 arrays and build the same
network (Dense layers, the case's activation, softmax with cross-entropy on
the logits), optimizer and batch size. Each is written as its own
documentation teaches: the PyTorch loop as in its tutorials (one shuffled
copy of the data per epoch, contiguous slices, ``zero_grad``; inference under
``torch.inference_mode()`` with the model in ``eval()`` mode), the JAX runners
(``jax_runners.py``) as JAX's and optax's guides do. Weights start from each
framework's own default initialisation, so accuracies differ a little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# JAX's two forms: a jitted step driven from Python, and the epoch in one scan.
JAX_FORMS = ("jax", "jax-scan")
# nnzero as installed by default (NumPy alone: the reference, and what every
# ratio starts from), and with the optional numba extra's compiled kernels.
NUMBA = "nnzero-numba"
OURS = ("nnzero", NUMBA)
# The peers of the first benchmarks, whose packages the test extra installs too.
CLASSIC = ("nnzero", "pytorch", "sklearn")
FRAMEWORKS = ("nnzero", NUMBA, "pytorch", "sklearn", *JAX_FORMS)


def kernels_environment(framework: str, environ: dict) -> dict:
    """The environment of ``framework``'s child process: nnzero's compiled
    kernels switched off (``NNZERO_KERNELS=numpy``) for "nnzero", left on for
    "nnzero-numba"; other frameworks never load nnzero's engine."""
    env = dict(environ)
    if framework == "nnzero":
        env["NNZERO_KERNELS"] = "numpy"
    else:
        env.pop("NNZERO_KERNELS", None)
    return env


@dataclass(frozen=True)
class Case:
    """One training set-up: hidden sizes, activation, optimizer and batch."""

    key: str
    title: str
    hidden: tuple[int, ...]
    activation: str  # "relu" or "sigmoid"
    optimizer: str  # "adam" or "sgd"
    learning_rate: float
    batch_size: int | None  # None: the whole training set (batch gradient descent)
    n_train: int | None = None  # None: every training sample

    def layer_sizes(self, n_in: int, n_out: int) -> list[int]:
        return [n_in, *self.hidden, n_out]


class NnzeroRunner:
    name = "nnzero"

    def __init__(self, case: Case, x, y, seed: int = 0):
        import nnzero as nz

        self.x, self.y = x, y
        self.batch_size = case.batch_size or len(x)
        layers = [nz.layers.Dense(h, activation=case.activation) for h in case.hidden]
        layers.append(nz.layers.Dense(int(y.max()) + 1, activation="softmax"))
        self.model = nz.Sequential(layers, seed=seed)
        if case.optimizer == "adam":
            optimizer = nz.optimizers.Adam(case.learning_rate)
        else:
            optimizer = nz.optimizers.SGD(case.learning_rate)
        # No metrics while training: the peers compute none either.
        self.model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")

    def epoch(self):
        self.model.fit(self.x, self.y, epochs=1, batch_size=self.batch_size, verbose=0)

    def predict(self, x, batch_size):
        return self.model.predict(x, batch_size=batch_size)

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x, 4096), axis=1) == y))


class TorchRunner:
    name = "pytorch"

    def __init__(self, case: Case, x, y, seed: int = 0):
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        self.generator = torch.Generator().manual_seed(seed)
        sizes = case.layer_sizes(x.shape[1], int(y.max()) + 1)
        act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[case.activation]
        modules = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            modules.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                modules.append(act())
        self.net = torch.nn.Sequential(*modules)
        params = self.net.parameters()
        if case.optimizer == "adam":
            self.optimizer = torch.optim.Adam(params, lr=case.learning_rate)
        else:
            self.optimizer = torch.optim.SGD(params, lr=case.learning_rate)
        # Softmax and cross-entropy fused on the logits, as nnzero fuses them.
        self.loss = torch.nn.CrossEntropyLoss()
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.batch_size = case.batch_size or len(x)

    def epoch(self):
        torch, n, b = self.torch, len(self.x), self.batch_size
        order = torch.randperm(n, generator=self.generator)
        x, y = self.x[order], self.y[order]
        net, optimizer, loss_fn = self.net, self.optimizer, self.loss
        for start in range(0, n, b):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[start : start + b]), y[start : start + b])
            loss.backward()
            optimizer.step()

    def predict(self, x, batch_size):
        # A plain inference loop; it times the same as `with torch.no_grad():
        # net(x)` batch by batch (torch_inference_check.py shows both).
        torch, net = self.torch, self.net
        net.eval()
        x = torch.from_numpy(x)
        parts = []
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                parts.append(torch.softmax(net(x[start : start + batch_size]), dim=1))
        net.train()
        return torch.cat(parts).numpy()

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x, 4096), axis=1) == y))


class SklearnRunner:
    name = "sklearn"

    def __init__(self, case: Case, x, y, seed: int = 0):
        from sklearn.neural_network import MLPClassifier

        self.x, self.y = x, y
        self.classes = np.arange(int(y.max()) + 1)
        self.model = MLPClassifier(
            hidden_layer_sizes=case.hidden,
            activation={"relu": "relu", "sigmoid": "logistic"}[case.activation],
            solver=case.optimizer,
            learning_rate_init=case.learning_rate,
            batch_size=case.batch_size or len(x),
            # Plain SGD and no L2 penalty, so it does the same work as the others.
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            shuffle=True,
            random_state=seed,
        )

    def epoch(self):
        # partial_fit is one pass over the data, shuffled, with no early stopping.
        self.model.partial_fit(self.x, self.y, classes=self.classes)

    def predict(self, x, batch_size):
        if batch_size >= len(x):
            return self.model.predict_proba(x)
        return np.concatenate(
            [self.model.predict_proba(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        )

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x, len(x)), axis=1) == y))


RUNNERS = {"nnzero": NnzeroRunner, NUMBA: NnzeroRunner, "pytorch": TorchRunner,
           "sklearn": SklearnRunner}


def make_runner(framework: str, case: Case, x, y, seed: int = 0):
    """A runner of ``framework`` for ``case`` on ``(x, y)``."""
    if framework in JAX_FORMS:
        # Imported only here: a run without JAX never loads it.
        from jax_runners import JaxRunner, JaxScanRunner

        return (JaxRunner if framework == "jax" else JaxScanRunner)(case, x, y, seed)
    return RUNNERS[framework](case, x, y, seed)
