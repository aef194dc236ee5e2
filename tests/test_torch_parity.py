"""Training parity with PyTorch in float64.

The same 6-8-5-k network (tanh, relu) is trained for 50 mini-batch steps by
nnzero and by PyTorch from the same weights, on the same data in the same
order, and every parameter must agree to ``max |dw| / max |w| <= 1e-9``:
the optimizers, losses, schedules and regularizers follow PyTorch's rules to
rounding.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import nnzero as nz

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

N_SAMPLES, N_IN, BATCH, EPOCHS = 40, 6, 8, 10  # 5 batches per epoch: 50 steps
STEPS = (N_SAMPLES // BATCH) * EPOCHS
TOL = 1e-9
WORST: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _single_thread_and_report():
    # Thread start-up dominates ops this small; one thread is several times faster.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    if WORST:
        name = max(WORST, key=WORST.get)
        print(f"\nworst parity ratio max|dw|/max|w|: {WORST[name]:.3e} ({name})")


@pytest.fixture
def record(request):
    def _record(ratio: float) -> float:
        WORST[request.node.name] = ratio
        return ratio

    return _record


# -- user-defined activations (not fused with the loss by the model) -------------------


class PlainSoftmax:
    def forward(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def derivative(self, z, a):
        raise NotImplementedError

    def backward(self, grad, z, a):
        return a * (grad - np.sum(grad * a, axis=1, keepdims=True))

    def get_config(self):
        return {"name": "plain_softmax"}


class PlainSigmoid:
    def forward(self, z):
        return 1.0 / (1.0 + np.exp(-z))

    def derivative(self, z, a):
        return a * (1.0 - a)

    def get_config(self):
        return {"name": "plain_sigmoid"}


# -- losses: nnzero loss, output activation, width, target kind, torch loss -----------


def _softmax_ce(p, y):
    return -(y * torch.log(p)).sum(dim=1)


LOSSES = {
    "mse": {
        "loss": "mse",
        "head": None,
        "k": 3,
        "targets": "real",
        "torch": lambda out, y: ((out - y) ** 2).mean(dim=1),
        "torch_mean": lambda out, y: nn.MSELoss()(out, y),
    },
    "bce_sigmoid": {
        "loss": "binary_crossentropy",
        "head": "sigmoid",
        "k": 2,
        "targets": "binary",
        "torch": lambda p, y: F.binary_cross_entropy(p, y, reduction="none").mean(dim=1),
        "torch_mean": lambda p, y: nn.BCELoss()(p, y),
    },
    "bce_sigmoid_unfused": {
        "loss": "binary_crossentropy",
        "head": PlainSigmoid,
        "k": 2,
        "targets": "binary",
        "torch_head": "sigmoid",
        "torch": lambda p, y: F.binary_cross_entropy(p, y, reduction="none").mean(dim=1),
        "torch_mean": lambda p, y: nn.BCELoss()(p, y),
    },
    "bce_logits": {
        "loss": nz.losses.BinaryCrossentropy(from_logits=True),
        "head": None,
        "k": 2,
        "targets": "binary",
        "torch": lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none").mean(
            dim=1
        ),
        "torch_mean": lambda z, y: nn.BCEWithLogitsLoss()(z, y),
    },
    "cce_softmax": {
        "loss": "categorical_crossentropy",
        "head": "softmax",
        "k": 4,
        "targets": "onehot",
        "torch": _softmax_ce,
        "torch_mean": lambda p, y: _softmax_ce(p, y).mean(),
    },
    "cce_softmax_unfused": {
        "loss": "categorical_crossentropy",
        "head": PlainSoftmax,
        "k": 4,
        "targets": "onehot",
        "torch_head": "softmax",
        "torch": _softmax_ce,
        "torch_mean": lambda p, y: _softmax_ce(p, y).mean(),
    },
    "cce_logits": {
        "loss": nz.losses.CategoricalCrossentropy(from_logits=True),
        "head": None,
        "k": 4,
        "targets": "soft",
        "torch": lambda z, y: F.cross_entropy(z, y, reduction="none"),
        "torch_mean": lambda z, y: F.cross_entropy(z, y),
    },
    "scce_softmax": {
        "loss": "sparse_categorical_crossentropy",
        "head": "softmax",
        "k": 4,
        "targets": "labels",
        "torch": lambda p, y: F.nll_loss(torch.log(p), y, reduction="none"),
        "torch_mean": lambda p, y: F.nll_loss(torch.log(p), y),
    },
    "scce_logits": {
        "loss": nz.losses.SparseCategoricalCrossentropy(from_logits=True),
        "head": None,
        "k": 4,
        "targets": "labels",
        "torch": lambda z, y: F.cross_entropy(z, y, reduction="none"),
        "torch_mean": lambda z, y: F.cross_entropy(z, y),
    },
}

# -- optimizers: nnzero class and settings; torch's are derived by name ----------------

OPTIMIZERS = {
    "sgd": ("SGD", {"learning_rate": 0.1}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "sgd_weight_decay": ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}),
    "sgd_momentum_dampening": ("SGD", {"learning_rate": 0.05, "momentum": 0.8, "dampening": 0.3}),
    "sgd_momentum_weight_decay": (
        "SGD",
        {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 0.01},
    ),
    "adagrad": ("AdaGrad", {"learning_rate": 0.05}),
    "adagrad_lr_decay": ("AdaGrad", {"learning_rate": 0.05, "lr_decay": 0.02}),
    "adagrad_weight_decay": ("AdaGrad", {"learning_rate": 0.05, "weight_decay": 0.05}),
    "adagrad_initial_accumulator": (
        "AdaGrad",
        {"learning_rate": 0.05, "initial_accumulator_value": 0.2},
    ),
    "rmsprop": ("RMSprop", {"learning_rate": 0.005}),
    "rmsprop_momentum": ("RMSprop", {"learning_rate": 0.002, "momentum": 0.9}),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.005, "centered": True}),
    "rmsprop_weight_decay": ("RMSprop", {"learning_rate": 0.005, "weight_decay": 0.05}),
    "rmsprop_centered_momentum": (
        "RMSprop",
        {"learning_rate": 0.002, "momentum": 0.5, "centered": True},
    ),
    "adam": ("Adam", {"learning_rate": 0.01}),
    "adam_betas": ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "eps": 1e-6}),
    "adam_weight_decay": ("Adam", {"learning_rate": 0.01, "weight_decay": 0.05}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    "adamw": ("AdamW", {"learning_rate": 0.01}),
    "adamw_weight_decay": ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.2}),
    "adamw_amsgrad": ("AdamW", {"learning_rate": 0.01, "amsgrad": True}),
}

TORCH_OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "AdaGrad": torch.optim.Adagrad,
    "RMSprop": torch.optim.RMSprop,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
}

#: torch arguments with no nnzero counterpart, each left at a default that
#: matches nnzero's behaviour (nnzero's AdamW is a class of its own).
TORCH_ONLY = {
    "params",
    "maximize",
    "foreach",
    "differentiable",
    "fused",
    "capturable",
    "decoupled_weight_decay",
}


def torch_kwargs(kwargs: dict) -> dict:
    """nnzero optimizer settings spelled as torch's."""
    out = {}
    for key, value in kwargs.items():
        if key == "learning_rate":
            out["lr"] = value
        elif key in ("beta_1", "beta_2"):
            continue
        else:
            out[key] = value
    if "beta_1" in kwargs or "beta_2" in kwargs:
        out["betas"] = (kwargs.get("beta_1", 0.9), kwargs.get("beta_2", 0.999))
    return out


# -- building both networks -------------------------------------------------------------


def make_data(targets: str, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_SAMPLES, N_IN))
    if targets == "real":
        y = rng.normal(size=(N_SAMPLES, k))
    elif targets == "binary":
        y = rng.integers(0, 2, size=(N_SAMPLES, k)).astype(np.float64)
    elif targets == "onehot":
        y = np.eye(k)[rng.integers(0, k, size=N_SAMPLES)]
    elif targets == "soft":
        y = rng.dirichlet(np.ones(k), size=N_SAMPLES)
    else:
        y = rng.integers(0, k, size=N_SAMPLES)
    return x, y


def _nz_head(head):
    return head() if isinstance(head, type) else head


def build_pair(spec, regularizer=None, seed=0):
    """An nnzero model and a torch network with identical float64 weights."""
    k = spec["k"]
    model = nz.Sequential(
        [
            nz.layers.Dense(8, activation="tanh", kernel_regularizer=regularizer),
            nz.layers.Dense(5, activation="relu", kernel_regularizer=regularizer),
            nz.layers.Dense(k, activation=_nz_head(spec["head"]), kernel_regularizer=regularizer),
        ],
        seed=seed,
        dtype="float64",
    )
    model.build((N_IN,))
    rng = np.random.default_rng(seed + 100)
    model.set_weights(
        [rng.normal(scale=0.6 if w.ndim == 2 else 0.2, size=w.shape) for w in model.get_weights()]
    )
    modules = [
        nn.Linear(N_IN, 8, dtype=torch.float64),
        nn.Tanh(),
        nn.Linear(8, 5, dtype=torch.float64),
        nn.ReLU(),
        nn.Linear(5, k, dtype=torch.float64),
    ]
    head = spec.get("torch_head", spec["head"])
    if head == "softmax":
        modules.append(nn.Softmax(dim=1))
    elif head == "sigmoid":
        modules.append(nn.Sigmoid())
    net = nn.Sequential(*modules)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for linear, layer in zip(linears, model.layers, strict=True):
            linear.weight.copy_(torch.from_numpy(layer.kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
    return model, net, linears


def torch_train(net, linears, opt, spec, x, y, scheduler=None, penalty=None, sample_weight=None):
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    wt = None if sample_weight is None else torch.from_numpy(sample_weight)
    for _ in range(EPOCHS):
        for start in range(0, N_SAMPLES, BATCH):
            sl = slice(start, start + BATCH)
            opt.zero_grad()
            out = net(xt[sl])
            if wt is None:
                loss = spec["torch_mean"](out, yt[sl])
            else:
                loss = (spec["torch"](out, yt[sl]) * wt[sl]).sum() / out.shape[0]
            if penalty is not None:
                loss = loss + sum(penalty(linear.weight) for linear in linears)
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()


def nz_train(model, optimizer, spec, x, y, sample_weight=None):
    model.compile(optimizer=optimizer, loss=spec["loss"])
    model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH,
        shuffle=False,
        verbose=0,
        sample_weight=sample_weight,
    )
    assert model.optimizer.iterations == STEPS


def parity_ratio(model, linears) -> float:
    """max |w_nnzero - w_torch| / max |w| over every parameter."""
    diff, scale = 0.0, 0.0
    for layer, linear in zip(model.layers, linears, strict=True):
        for ours, theirs in ((layer.kernel, linear.weight.T), (layer.bias, linear.bias)):
            theirs = theirs.detach().numpy()
            diff = max(diff, float(np.abs(ours - theirs).max()))
            scale = max(scale, float(np.abs(theirs).max()))
    return diff / scale


def moved(model, initial) -> float:
    """How far training moved the weights, relative to their size."""
    return max(
        float(np.abs(w - w0).max()) / float(np.abs(w0).max())
        for w, w0 in zip(model.get_weights(), initial, strict=True)
    )


def run_parity(
    spec,
    nz_optimizer,
    make_torch_opt,
    regularizer=None,
    penalty=None,
    schedule=None,
    sample_weight=None,
):
    x, y = make_data(spec["targets"], spec["k"])
    model, net, linears = build_pair(spec, regularizer=regularizer)
    initial = model.get_weights()
    opt = make_torch_opt(net.parameters())
    scheduler = None if schedule is None else schedule(opt)
    nz_train(model, nz_optimizer, spec, x, y, sample_weight=sample_weight)
    torch_train(
        net,
        linears,
        opt,
        spec,
        x,
        y,
        scheduler=scheduler,
        penalty=penalty,
        sample_weight=sample_weight,
    )
    assert moved(model, initial) > 1e-3
    return parity_ratio(model, linears)


# -- optimizers x losses ------------------------------------------------------------------


#: Every optimizer with a fused, a from-logits and a plain loss, and every
#: loss with a momentum, an adaptive and a centred-adaptive optimizer.
PAIRS = sorted(
    {(o, loss) for o in OPTIMIZERS for loss in ("bce_sigmoid", "scce_logits", "mse")}
    | {(o, loss) for o in ("sgd_momentum", "adam", "rmsprop_centered") for loss in LOSSES},
    key=lambda pair: (list(OPTIMIZERS).index(pair[0]), list(LOSSES).index(pair[1])),
)


@pytest.mark.parametrize("opt_key,loss_key", PAIRS, ids=[f"{o}-{loss}" for o, loss in PAIRS])
def test_optimizer_loss_parity(opt_key, loss_key, record):
    cls_name, kwargs = OPTIMIZERS[opt_key]
    optimizer = getattr(nz.optimizers, cls_name)(**kwargs)
    torch_cls = TORCH_OPTIMIZERS[cls_name]
    ratio = run_parity(
        LOSSES[loss_key], optimizer, lambda params: torch_cls(params, **torch_kwargs(kwargs))
    )
    assert record(ratio) <= TOL


@pytest.mark.parametrize(
    "name,torch_cls",
    [
        ("sgd", "SGD"),
        ("adagrad", "AdaGrad"),
        ("rmsprop", "RMSprop"),
        ("adam", "Adam"),
        ("adamw", "AdamW"),
    ],
)
def test_optimizer_by_name_with_defaults(name, torch_cls, record):
    """``compile(optimizer="adam")`` trains like ``torch.optim.Adam(params)``."""
    ratio = run_parity(
        LOSSES["scce_logits"], name, lambda params: TORCH_OPTIMIZERS[torch_cls](params)
    )
    assert record(ratio) <= TOL


# -- defaults -----------------------------------------------------------------------------


@pytest.mark.parametrize("cls_name", list(TORCH_OPTIMIZERS))
def test_optimizer_defaults_equal_torch(cls_name):
    ours = {
        name: p.default
        for name, p in inspect.signature(getattr(nz.optimizers, cls_name)).parameters.items()
    }
    theirs = {
        name: p.default
        for name, p in inspect.signature(TORCH_OPTIMIZERS[cls_name]).parameters.items()
        if name not in TORCH_ONLY
    }
    assert torch_kwargs(ours) == theirs


# -- learning-rate schedules ---------------------------------------------------------------

SCHEDULES = {
    "step": (
        lambda lr0: nz.schedules.StepDecay(lr0, step_size=7, gamma=0.5),
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5),
    ),
    "exponential": (
        lambda lr0: nz.schedules.ExponentialDecay(lr0, decay_steps=1, decay_rate=0.95),
        lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95),
    ),
    "cosine": (
        lambda lr0: nz.schedules.CosineDecay(lr0, decay_steps=STEPS, alpha=0.1),
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
            opt, T_max=STEPS, eta_min=0.1 * opt.defaults["lr"]
        ),
    ),
}


@pytest.mark.parametrize("sched_key", list(SCHEDULES))
def test_schedule_rates_equal_torch(sched_key):
    ours_factory, theirs_factory = SCHEDULES[sched_key]
    ours = ours_factory(0.1)
    opt = torch.optim.SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=0.1)
    theirs = theirs_factory(opt)
    for step in range(STEPS + 1):
        assert ours(step) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=0)
        opt.step()
        theirs.step()


@pytest.mark.parametrize("opt_key", ["sgd_momentum", "adamw_weight_decay", "rmsprop_centered"])
@pytest.mark.parametrize("sched_key", list(SCHEDULES))
def test_schedule_training_parity(sched_key, opt_key, record):
    cls_name, kwargs = OPTIMIZERS[opt_key]
    ours_factory, theirs_factory = SCHEDULES[sched_key]
    lr0 = kwargs["learning_rate"]
    optimizer = getattr(nz.optimizers, cls_name)(**{**kwargs, "learning_rate": ours_factory(lr0)})
    torch_cls = TORCH_OPTIMIZERS[cls_name]
    ratio = run_parity(
        LOSSES["cce_softmax"],
        optimizer,
        lambda params: torch_cls(params, **torch_kwargs(kwargs)),
        schedule=theirs_factory,
    )
    assert record(ratio) <= TOL


# -- regularizers and sample weights --------------------------------------------------------

REGULARIZERS = {
    "l2": (nz.regularizers.L2(0.01), lambda w: 0.01 * (w**2).sum()),
    "l1": (nz.regularizers.L1(0.005), lambda w: 0.005 * w.abs().sum()),
    "l1_l2": (
        nz.regularizers.L1L2(l1=0.003, l2=0.02),
        lambda w: 0.003 * w.abs().sum() + 0.02 * (w**2).sum(),
    ),
}


REG_CASES = [
    (reg, opt, loss)
    for reg in REGULARIZERS
    for opt, loss in (("sgd_momentum", "scce_logits"), ("adam", "bce_sigmoid"), ("sgd", "mse"))
]


@pytest.mark.parametrize(
    "reg_key,opt_key,loss_key", REG_CASES, ids=["-".join(case) for case in REG_CASES]
)
def test_regularizer_parity(reg_key, opt_key, loss_key, record):
    regularizer, penalty = REGULARIZERS[reg_key]
    cls_name, kwargs = OPTIMIZERS[opt_key]
    torch_cls = TORCH_OPTIMIZERS[cls_name]
    ratio = run_parity(
        LOSSES[loss_key],
        getattr(nz.optimizers, cls_name)(**kwargs),
        lambda params: torch_cls(params, **torch_kwargs(kwargs)),
        regularizer=regularizer,
        penalty=penalty,
    )
    assert record(ratio) <= TOL


@pytest.mark.parametrize("loss_key", list(LOSSES))
def test_sample_weight_parity(loss_key, record):
    """``sum(w_i * l_i) / n`` per batch, as torch with ``reduction="none"``."""
    weights = np.random.default_rng(7).uniform(0.1, 3.0, size=N_SAMPLES)
    ratio = run_parity(
        LOSSES[loss_key],
        nz.optimizers.Adam(0.01),
        lambda params: torch.optim.Adam(params, lr=0.01),
        sample_weight=weights,
    )
    assert record(ratio) <= TOL


@pytest.mark.parametrize("loss_key", list(LOSSES))
def test_loss_value_equals_torch(loss_key):
    """The reported loss is torch's loss of the same outputs."""
    spec = LOSSES[loss_key]
    x, y = make_data(spec["targets"], spec["k"])
    model, net, _ = build_pair(spec)
    model.compile(optimizer="sgd", loss=spec["loss"])
    ours = model.evaluate(x, y)["loss"]
    with torch.no_grad():
        theirs = float(spec["torch_mean"](net(torch.from_numpy(x)), torch.from_numpy(y)))
    assert ours == pytest.approx(theirs, rel=1e-13, abs=0)
