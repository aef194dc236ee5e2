"""The augmentation layers RandomTranslation and RandomFlip: what they draw,
their exact adjoints (gradient checks and PyTorch autograd), saving,
exports, run options and every error path."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs import ConfigError, build_model, resolve_config

torch = pytest.importorskip("torch")


def _built(layer, input_shape, seed=0, dtype=np.float64):
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def _images(n=64, side=6, seed=0):
    return np.random.default_rng(seed).random((n, side * side))


def _shift_reference(image, dy, dx):
    """``image`` moved down by ``dy`` and right by ``dx`` pixels, zeros coming in."""
    height, width = image.shape
    out = np.zeros_like(image)
    rows = slice(max(dy, 0), height + min(dy, 0))
    cols = slice(max(dx, 0), width + min(dx, 0))
    src_rows = slice(max(-dy, 0), height + min(-dy, 0))
    src_cols = slice(max(-dx, 0), width + min(-dx, 0))
    out[rows, cols] = image[src_rows, src_cols]
    return out


# -- what the layers draw --------------------------------------------------------------


@pytest.mark.parametrize("layer", [nz.layers.RandomTranslation(2), nz.layers.RandomFlip()],
                         ids=["translation", "flip"])
def test_identity_at_inference(layer):
    _built(layer, (36,))
    x = _images()
    assert layer.forward(x) is x
    assert layer.forward(x, training=False) is x
    assert layer.backward(x) is x  # nothing drawn: the gradient passes through


def test_every_translated_image_is_one_shift_and_every_shift_occurs():
    layer = _built(nz.layers.RandomTranslation(2), (36,))
    # Distinct positive pixels, so each shifted copy identifies its shift.
    x = np.tile(np.arange(1.0, 37.0), (2000, 1))
    out = layer.forward(x, training=True).reshape(-1, 6, 6)
    image = x[0].reshape(6, 6)
    references = {(dy, dx): _shift_reference(image, dy, dx)
                  for dy in range(-2, 3) for dx in range(-2, 3)}
    seen = []
    for shifted in out:
        matches = [s for s, ref in references.items() if np.array_equal(shifted, ref)]
        assert len(matches) == 1
        seen.append(matches[0])
    counts = np.array([seen.count(s) for s in references])
    # 25 shifts, each drawn with probability 1/25: about 80 times in 2,000.
    assert counts.min() > 40 and counts.max() < 130


def test_translation_of_2d_samples_and_rectangular_images():
    layer = _built(nz.layers.RandomTranslation(1), (3, 5))
    x = np.random.default_rng(1).random((50, 3, 5))
    out = layer.forward(x, training=True)
    assert out.shape == x.shape
    for shifted, image in zip(out, x, strict=True):
        assert any(np.array_equal(shifted, _shift_reference(image, dy, dx))
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    flat = _built(nz.layers.RandomTranslation(1, image_shape=(3, 5)), (15,))
    assert flat.forward(x.reshape(50, 15), training=True).shape == (50, 15)


def test_flip_mirrors_about_half_the_images():
    layer = _built(nz.layers.RandomFlip(), (36,))
    x = _images(1000)
    out = layer.forward(x, training=True).reshape(-1, 6, 6)
    images = x.reshape(-1, 6, 6)
    same = np.all(out == images, axis=(1, 2))
    mirrored = np.all(out == images[:, :, ::-1], axis=(1, 2))
    assert np.all(same ^ mirrored)
    assert 400 < mirrored.sum() < 600
    assert np.array_equal(x, _images(1000))  # the input is left alone


def test_zero_shift_is_the_identity_in_training():
    layer = _built(nz.layers.RandomTranslation(0), (36,))
    x = _images()
    assert layer.forward(x, training=True) is x


def test_keeps_float32():
    for layer in (nz.layers.RandomTranslation(2), nz.layers.RandomFlip()):
        _built(layer, (36,), dtype=np.float32)
        out = layer.forward(_images().astype(np.float32), training=True)
        assert out.dtype == np.float32


# -- gradients: finite differences and PyTorch autograd ----------------------------------


@pytest.mark.parametrize("layer, shape", [
    (nz.layers.RandomTranslation(2), (36,)),
    (nz.layers.RandomTranslation(1, image_shape=(4, 3)), (12,)),
    (nz.layers.RandomTranslation(1), (4, 5)),
    (nz.layers.RandomFlip(), (36,)),
    (nz.layers.RandomFlip(), (4, 5)),
], ids=["shift-flat", "shift-rect", "shift-2d", "flip-flat", "flip-2d"])
def test_gradcheck(layer, shape):
    _built(layer, shape)
    x = np.random.default_rng(2).normal(size=(5, *shape))
    assert nz.gradcheck(layer, x) < 1e-6


def _torch_translate(x, dy, dx, s):
    """The same shifts written with torch ops: pad, then crop each image."""
    n, height, width = x.shape
    padded = torch.nn.functional.pad(x, (s, s, s, s))
    return torch.stack([padded[i, s - dy[i]:s - dy[i] + height, s - dx[i]:s - dx[i] + width]
                        for i in range(n)])


def test_translation_matches_torch_forward_and_autograd():
    s = 2
    layer = _built(nz.layers.RandomTranslation(s), (6, 7))
    x = np.random.default_rng(3).normal(size=(40, 6, 7))
    # The draws the layer will make, from a copy of its generator.
    twin = np.random.default_rng()
    twin.bit_generator.state = layer._rng.bit_generator.state
    dy, dx = twin.integers(-s, s + 1, size=(2, 40))
    ours = layer.forward(x, training=True)
    r = np.random.default_rng(4).normal(size=ours.shape)
    grad = layer.backward(r)

    xt = torch.tensor(x, requires_grad=True)
    theirs = _torch_translate(xt, dy, dx, s)
    (theirs * torch.from_numpy(r)).sum().backward()
    assert np.array_equal(ours, theirs.detach().numpy())
    assert np.array_equal(grad, xt.grad.numpy())


def test_flip_matches_torch_forward_and_autograd():
    layer = _built(nz.layers.RandomFlip(), (49,))
    x = np.random.default_rng(5).normal(size=(40, 49))
    twin = np.random.default_rng()
    twin.bit_generator.state = layer._rng.bit_generator.state
    rows = torch.from_numpy(twin.random(40) < 0.5)
    ours = layer.forward(x, training=True)
    r = np.random.default_rng(6).normal(size=ours.shape)
    grad = layer.backward(r)

    xt = torch.tensor(x.reshape(40, 7, 7), requires_grad=True)
    theirs = torch.where(rows[:, None, None], torch.flip(xt, dims=[2]), xt)
    (theirs.reshape(40, 49) * torch.from_numpy(r)).sum().backward()
    assert np.array_equal(ours, theirs.detach().numpy().reshape(40, 49))
    assert np.array_equal(grad, xt.grad.numpy().reshape(40, 49))


def test_first_layer_skips_the_input_gradient():
    layer = _built(nz.layers.RandomTranslation(1), (36,))
    layer.needs_input_grad = False
    layer.forward(_images(), training=True)
    assert layer.backward(_images()) is None


# -- in a model --------------------------------------------------------------------------


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split((x / 16.0).astype(np.float32), y, test_size=0.25, random_state=0)


def _augmented_model(seed=0):
    model = nz.Sequential([nz.layers.RandomTranslation(1), nz.layers.RandomFlip(),
                           nz.layers.Dense(64, activation="relu"),
                           nz.layers.Dense(10, activation="softmax")], seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _digits_model(augment: bool, seed=0):
    layers = [nz.layers.RandomTranslation(1)] if augment else []
    model = nz.Sequential(layers + [nz.layers.Dense(64, activation="relu"),
                                    nz.layers.Dense(10, activation="softmax")], seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_training_on_shifted_copies_recognises_shifted_digits():
    x_train, x_test, y_train, y_test = _digits()
    rng = np.random.default_rng(9)
    shifted = np.stack([_shift_reference(image.reshape(8, 8), *rng.integers(-1, 2, size=2))
                        .ravel() for image in x_test])
    plain, augmented = _digits_model(False), _digits_model(True)
    for model in (plain, augmented):
        model.fit(x_train, y_train, epochs=60, batch_size=32, verbose=0)
    # A one-pixel shift of an 8x8 digit defeats the plain network (about 36 %
    # right) but not the one trained on shifted copies (about 90 %).
    assert plain.evaluate(shifted, y_test)["accuracy"] < 0.5
    assert augmented.evaluate(shifted, y_test)["accuracy"] >= 0.85
    twin = _digits_model(True)
    twin.fit(x_train, y_train, epochs=60, batch_size=32, verbose=0)
    for a, b in zip(augmented.get_weights(), twin.get_weights(), strict=True):
        assert np.array_equal(a, b)  # the shifts come from the model's seeded generator


def test_save_load_onnx_and_torch_mapping(tmp_path):
    x_train, x_test, y_train, _ = _digits()
    model = _augmented_model()
    model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
    model.save(tmp_path / "m.nnz")
    loaded = nz.load_model(tmp_path / "m.nnz")
    assert [type(layer).__name__ for layer in loaded.layers[:2]] == ["RandomTranslation",
                                                                       "RandomFlip"]
    assert np.array_equal(loaded.predict(x_test), model.predict(x_test))
    from nnzero.interop import torch_modules
    from nnzero.onnx import to_onnx

    assert [name for name, _ in torch_modules(model)] == ["Linear", "ReLU", "Linear", "Softmax"]
    ort = pytest.importorskip("onnxruntime")
    proto = to_onnx(model)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (name,) = [i.name for i in session.get_inputs()]
    onnx_out = session.run(None, {name: x_test})[0]
    assert np.max(np.abs(onnx_out - model.predict(x_test))) <= 1e-5


def test_configs_round_trip_through_get_config():
    for layer in (nz.layers.RandomTranslation(3, image_shape=(4, 9)), nz.layers.RandomFlip((2, 8))):
        again = nz.layers.get(layer.get_config())
        assert again.get_config() == layer.get_config()


# -- run options -------------------------------------------------------------------------


def test_run_options_put_the_augmentation_layers_first():
    config = resolve_config(overrides={"dataset": "digits", "layers": "8", "augment_shift": 1,
                                       "augment_flip": True, "input_dropout": 0.1})
    kinds = [type(layer).__name__ for layer in build_model(config, 10).layers]
    assert kinds == ["RandomTranslation", "RandomFlip", "Dropout", "Dense", "Dense"]


@pytest.mark.parametrize("overrides, message", [
    ({"dataset": "moons", "augment_shift": 1}, "image datasets only"),
    ({"dataset": "moons", "augment_flip": True}, "image datasets only"),
    ({"dataset": "mnist", "augment_shift": 28}, "below the image side"),
    ({"dataset": "digits", "augment_shift": 8}, "below the image side"),
    ({"dataset": "mnist", "augment_shift": -1}, "`augment_shift` must be >= 0"),
    ({"dataset": "mnist", "augment_shift": 1.5}, "`augment_shift` must be an integer"),
    ({"dataset": "mnist", "augment_flip": "yes"}, "`augment_flip` must be True or False"),
])
def test_bad_run_options(overrides, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config(overrides=overrides)


# -- bad arguments -----------------------------------------------------------------------


@pytest.mark.parametrize("value, error", [
    (-1, nz.errors.InvalidArgumentError), (1.5, nz.errors.InvalidTypeError),
    (True, nz.errors.InvalidTypeError), ("2", nz.errors.InvalidTypeError),
    (None, nz.errors.InvalidTypeError)])
def test_bad_max_shift(value, error):
    with pytest.raises(error, match="max_shift"):
        nz.layers.RandomTranslation(value)


@pytest.mark.parametrize("cls", [nz.layers.RandomTranslation, nz.layers.RandomFlip])
@pytest.mark.parametrize("value", [(28,), (0, 28), (28.0, 28), "28x28", (True, 3)])
def test_bad_image_shape(cls, value):
    with pytest.raises(nz.errors.InvalidTypeError, match="image_shape"):
        cls(image_shape=value) if cls is nz.layers.RandomFlip else cls(1, image_shape=value)


@pytest.mark.parametrize("cls", [nz.layers.RandomTranslation, nz.layers.RandomFlip])
def test_input_shapes_that_are_no_images(cls):
    rng = np.random.default_rng(0)
    with pytest.raises(nz.InvalidArgumentError, match="not a square"):
        cls().build((10,), rng, np.float64)
    with pytest.raises(nz.InvalidArgumentError, match="needs images"):
        cls().build((2, 3, 4), rng, np.float64)
    with pytest.raises(nz.InvalidArgumentError, match="holds 12 pixels"):
        cls(image_shape=(3, 4)).build((10,), rng, np.float64)
    with pytest.raises(nz.InvalidArgumentError, match="does not match"):
        cls(image_shape=(3, 4)).build((4, 3), rng, np.float64)


def test_shift_larger_than_the_image():
    with pytest.raises(nz.InvalidArgumentError, match="out of view"):
        nz.layers.RandomTranslation(3).build((9,), np.random.default_rng(0), np.float64)
