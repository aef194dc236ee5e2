"""Weights exchanged with PyTorch through safetensors: nnzero's export loads
into the matching torch.nn.Sequential and torch's state dict loads into
nnzero, with the same predictions either way."""

import json

import numpy as np
import pytest

import nnzero as nz
from nnzero.interop import (
    export_torch_safetensors,
    import_torch_safetensors,
    torch_modules,
    torch_state_dict,
)

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
nn = torch.nn

TOLERANCE = 1e-5


def _nnzero_model(dtype="float32"):
    model = nz.Sequential([
        nz.layers.Dense(64, activation="relu"),
        nz.layers.Dropout(0.2),
        nz.layers.Dense(32, activation=nz.activations.LeakyReLU(0.1)),
        nz.layers.Dense(16, activation="tanh", use_bias=False),
        nz.layers.Dense(16, activation=nz.activations.ELU(0.5)),
        nz.layers.Dense(8),
        nz.layers.Activation("sigmoid"),
        nz.layers.Dense(10, activation="softmax"),
    ], seed=0, dtype=dtype)
    model.build((784,))
    return model


def _torch_sequential(model):
    """The torch.nn.Sequential the documented mapping describes."""
    return nn.Sequential(*(getattr(nn, name)(**kw) for name, kw in torch_modules(model))).eval()


def _inputs(n=256, seed=0):
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


def test_the_mapping_gives_activations_their_own_indices():
    model = _nnzero_model()
    assert [name for name, _ in torch_modules(model)] == [
        "Linear", "ReLU", "Dropout", "Linear", "LeakyReLU", "Linear", "Tanh",
        "Linear", "ELU", "Linear", "Sigmoid", "Linear", "Softmax",
    ]
    reference = _torch_sequential(model).state_dict()
    ours = torch_state_dict(model)
    assert list(ours) == list(reference)  # same names, same order
    for key, tensor in reference.items():
        assert ours[key].shape == tuple(tensor.shape), key


def test_nnzero_export_loads_into_torch(tmp_path):
    model = _nnzero_model()
    path = tmp_path / "weights.safetensors"
    export_torch_safetensors(model, path)
    net = _torch_sequential(model)
    net.load_state_dict(safetensors_torch.load_file(str(path)))  # strict: every key matches
    x = _inputs()
    with torch.no_grad():
        theirs = net(torch.from_numpy(x)).numpy()
    ours = model.predict(x)
    assert np.max(np.abs(theirs - ours)) <= TOLERANCE
    np.testing.assert_array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))
    with safetensors_torch.safe_open(str(path), framework="pt") as f:
        assert json.loads(f.metadata()["torch_modules"])[0][0] == "Linear"


def test_torch_state_dict_loads_into_nnzero(tmp_path):
    torch.manual_seed(0)
    template = _nnzero_model()
    net = _torch_sequential(template)
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(net.state_dict(), str(path))
    layers = [
        nz.layers.Dense(64, activation="relu"),
        nz.layers.Dropout(0.2),
        nz.layers.Dense(32, activation=nz.activations.LeakyReLU(0.1)),
        nz.layers.Dense(16, activation="tanh", use_bias=False),
        nz.layers.Dense(16, activation=nz.activations.ELU(0.5)),
        nz.layers.Dense(8),
        nz.layers.Activation("sigmoid"),
        nz.layers.Dense(10, activation="softmax"),
    ]
    model = import_torch_safetensors(path, layers)  # builds itself from 0.weight
    assert model.input_shape == (784,)
    np.testing.assert_array_equal(model.layers[0].kernel, net[0].weight.detach().numpy().T)
    x = _inputs(seed=1)
    with torch.no_grad():
        theirs = net(torch.from_numpy(x)).numpy()
    ours = model.predict(x)
    assert np.max(np.abs(theirs - ours)) <= TOLERANCE
    np.testing.assert_array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))


def test_round_trip_is_exact_and_float64_survives(tmp_path):
    model = _nnzero_model("float64")
    path = tmp_path / "w.safetensors"
    export_torch_safetensors(model, path)
    copy = import_torch_safetensors(path, _nnzero_model("float64"))
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert safetensors_torch.load_file(str(path))["0.weight"].dtype == torch.float64


def test_non_strict_matches_linear_layers_in_order(tmp_path):
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 3))
    path = tmp_path / "t.safetensors"
    safetensors_torch.save_file(net.state_dict(), str(path))
    layers = [nz.layers.Dense(5, activation="relu"), nz.layers.Dense(3)]
    with pytest.raises(nz.ModelFileError, match="unexpected"):
        import_torch_safetensors(path, layers)
    model = import_torch_safetensors(path, nz.Sequential(layers), strict=False)
    x = np.random.default_rng(0).random((4, 6), dtype=np.float32)
    with torch.no_grad():
        expected = net.eval()(torch.from_numpy(x)).numpy()
    assert np.max(np.abs(model.predict(x) - expected)) <= TOLERANCE


def test_mismatches_are_refused_before_any_weight_changes(tmp_path):
    source = nz.Sequential([nz.layers.Dense(4), nz.layers.Dense(2)], seed=0)
    source.build((3,))
    path = tmp_path / "w.safetensors"
    export_torch_safetensors(source, path)
    target = nz.Sequential([nz.layers.Dense(4), nz.layers.Dense(5)], seed=1)
    target.build((3,))
    before = target.get_weights()
    with pytest.raises(nz.ModelFileError, match="shape"):
        import_torch_safetensors(path, target)
    for a, b in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(nz.ModelFileError, match="No safetensors file"):
        import_torch_safetensors(tmp_path / "missing.safetensors", target)
    (tmp_path / "junk.safetensors").write_bytes(b"not a file")
    with pytest.raises(nz.ModelFileError, match="not a readable"):
        import_torch_safetensors(tmp_path / "junk.safetensors", target)


def test_layers_without_a_torch_counterpart_are_named():
    model = nz.Sequential([nz.layers.Dense(2, activation="step")])
    model.build((3,))
    with pytest.raises(nz.InvalidArgumentError, match=r"Layer 0 \(Dense\).*Step\(\)"):
        torch_state_dict(model)
    with pytest.raises(nz.InvalidArgumentError, match="not built"):
        torch_modules(nz.Sequential([nz.layers.Dense(2)]))
