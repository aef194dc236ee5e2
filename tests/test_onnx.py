"""ONNX export: every exportable layer and activation runs in onnxruntime and
matches nnzero's own predictions on MNIST-shaped inputs."""

import numpy as np
import pytest

import nnzero as nz
from nnzero.onnx import export_onnx_file, to_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-5


def _mnist_like(n, seed=0):
    """Pixels in [0, 1], three quarters of them blank, as in MNIST."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    x[rng.random((n, 784)) < 0.75] = 0.0
    return x


def _trained_mnist_model(hidden, dtype="float32"):
    """784 -> hidden layers -> 10 softmax, trained briefly so outputs are not uniform."""
    stack = []
    for units, activation in hidden:
        stack.append(nz.layers.Dense(units, activation=activation))
        stack.append(nz.layers.Dropout(0.1))
    stack.append(nz.layers.Dense(10, activation="softmax"))
    model = nz.Sequential(stack, seed=0, dtype=dtype)
    model.compile(optimizer=nz.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    x = _mnist_like(512, seed=1)
    y = (x[:, :392].sum(axis=1) * 10 / x[:, :392].sum(axis=1).max()).astype(int).clip(0, 9)
    model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    return model


def _run(proto, x):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (name,) = [i.name for i in session.get_inputs()]
    return session.run(None, {name: x})[0]


ALL_ACTIVATIONS = [
    (128, "relu"),
    (64, "sigmoid"),
    (64, "tanh"),
    (32, nz.activations.LeakyReLU(0.2)),
    (32, nz.activations.ELU(0.7)),
    (32, "linear"),
]


def test_mnist_shaped_model_matches_onnxruntime(tmp_path, capsys):
    model = _trained_mnist_model(ALL_ACTIVATIONS)
    path = tmp_path / "mnist.onnx"
    to_onnx(model, path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    x = _mnist_like(2000, seed=2)
    expected = model.predict(x)
    got = _run(proto, x)
    diff = float(np.max(np.abs(got - expected)))
    with capsys.disabled():
        print(f"\nONNX vs nnzero on 2000 MNIST-shaped rows: max |diff| = {diff:.3g}")
    assert got.shape == (2000, 10) and got.dtype == np.float32
    assert diff <= TOLERANCE
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_batch_size_is_dynamic():
    model = _trained_mnist_model([(32, "relu")])
    proto = to_onnx(model)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 784
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for n in (1, 7, 300):
        x = _mnist_like(n, seed=n)
        got = session.run(None, {"input": x})[0]
        assert got.shape == (n, 10)
        assert np.max(np.abs(got - model.predict(x))) <= TOLERANCE


def test_flatten_activation_layer_no_bias_step_and_float64():
    model = nz.Sequential([
        nz.layers.Flatten(),
        nz.layers.Dense(20, use_bias=False),
        nz.layers.Activation("tanh"),
        nz.layers.Dense(12, activation="relu"),
        nz.layers.Dense(6),
        nz.layers.Activation("step"),
    ], seed=3, dtype="float64")
    model.build((28, 28))
    x = np.random.default_rng(0).random((50, 28, 28))
    proto = to_onnx(model, opset=13)
    ops = [node.op_type for node in proto.graph.node]
    assert ops == ["Flatten", "MatMul", "Tanh", "Gemm", "Relu", "Gemm", "GreaterOrEqual",
                   "Cast"]
    got = _run(proto, x)
    assert got.dtype == np.float64 and 0 < got.mean() < 1
    np.testing.assert_array_equal(got, model.predict(x))


def test_regression_output_and_names():
    model = nz.Sequential([nz.layers.Dense(8, activation="relu"), nz.layers.Dense(3)], seed=0)
    model.build((784,))
    proto = to_onnx(model, input_name="pixels", output_name="scores")
    assert [i.name for i in proto.graph.input] == ["pixels"]
    assert [o.name for o in proto.graph.output] == ["scores"]
    x = _mnist_like(64)
    assert np.max(np.abs(_run(proto, x) - model.predict(x))) <= TOLERANCE


def test_user_activation_is_named_in_the_error():
    class Cube:
        def forward(self, z):
            return z**3

        def derivative(self, z, a):
            return 3 * z**2

        def __repr__(self):
            return "Cube()"

    model = nz.Sequential([nz.layers.Dense(4, activation="relu"),
                           nz.layers.Dense(2, activation=Cube())])
    model.build((3,))
    with pytest.raises(nz.InvalidArgumentError, match=r"Layer 1 \(Dense\).*Cube\(\)"):
        to_onnx(model)


def test_user_layer_is_named_in_the_error(tmp_path):
    class Double(nz.layers.Layer):
        def forward(self, x, training=False):
            return 2 * x

        def backward(self, grad):
            return 2 * grad

    model = nz.Sequential([nz.layers.Dense(4), Double()])
    model.build((3,))
    with pytest.raises(nz.InvalidArgumentError, match=r"Layer 1 \(Double\) cannot be exported"):
        to_onnx(model, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_unbuilt_model_and_bad_options():
    model = nz.Sequential([nz.layers.Dense(2)])
    with pytest.raises(nz.InvalidArgumentError, match="not built"):
        to_onnx(model)
    model.build((2,))
    with pytest.raises(nz.InvalidArgumentError, match="opset"):
        to_onnx(model, opset=9)
    with pytest.raises(nz.InvalidTypeError, match="output_name"):
        to_onnx(model, output_name="")
    with pytest.raises(nz.InvalidArgumentError, match="differ"):
        to_onnx(model, output_name="input")


def test_dropout_only_model_passes_the_input_through():
    model = nz.Sequential([nz.layers.Dropout(0.5)])
    model.build((4,))
    proto = to_onnx(model)
    assert [node.op_type for node in proto.graph.node] == ["Identity"]
    x = _mnist_like(3)[:, :4]
    np.testing.assert_array_equal(_run(proto, x), x)


def test_export_onnx_file_from_a_saved_model(tmp_path):
    model = _trained_mnist_model([(16, "relu")])
    model.save(tmp_path / "m.nnz")
    export_onnx_file(tmp_path / "m.nnz", tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    x = _mnist_like(100)
    assert np.max(np.abs(_run(proto, x) - model.predict(x))) <= TOLERANCE


def test_sklearn_estimator_model_exports():
    from nnzero.sklearn import NNClassifier

    x = _mnist_like(200)
    y = np.arange(200) % 3
    clf = NNClassifier(hidden_layer_sizes=(16,), epochs=3, random_state=0).fit(x, y)
    got = _run(to_onnx(clf.model_), x.astype(np.float64))
    assert np.max(np.abs(got - clf.predict_proba(x))) <= TOLERANCE


def test_command_line_export_onnx(tmp_path, capsys):
    from nnzero.cli import main

    model = _trained_mnist_model([(16, "relu")])
    model.save(tmp_path / "m.nnz")
    assert main(["export-onnx", str(tmp_path / "m.nnz"), str(tmp_path / "m.onnx")]) == 0
    assert "Wrote" in capsys.readouterr().out
    x = _mnist_like(50)
    got = _run(onnx.load(str(tmp_path / "m.onnx")), x)
    assert np.max(np.abs(got - model.predict(x))) <= TOLERANCE
    assert main(["export-onnx", str(tmp_path / "missing.nnz"), str(tmp_path / "x.onnx")]) == 2
