"""Data augmentation as layers: random shifts and mirror images of the input
images while training, the identity at inference (like Dropout).

As the first layers of a model they draw a fresh variant of every image in
every batch from the model's generator, so a seed still fixes the whole
run, checkpoints resume it exactly, and a saved model needs no separate
preprocessing step. Both are linear maps of their input, so ``backward``
is their exact adjoint and gradient checks apply.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_int
from ..errors import InvalidArgumentError, InvalidTypeError
from .base import Layer
from .registry import register


def _image_shape(layer, input_shape) -> tuple[int, int]:
    """(height, width) of the images in inputs of ``input_shape``: the
    layer's own ``image_shape``, the two dimensions of 2-D samples, or the
    side of a flattened square image."""
    name = type(layer).__name__
    if len(input_shape) == 2:
        shape = tuple(int(d) for d in input_shape)
        if layer.image_shape is not None and tuple(layer.image_shape) != shape:
            raise InvalidArgumentError(
                f"{name}: image_shape={tuple(layer.image_shape)} does not match samples of shape "
                f"{shape}."
            )
        return shape
    if len(input_shape) != 1:
        raise InvalidArgumentError(
            f"{name} needs images: samples of shape (height, width) or flattened rows. "
            f"Received: samples of shape {tuple(input_shape)}"
        )
    width = int(input_shape[0])
    if layer.image_shape is not None:
        if math.prod(layer.image_shape) != width:
            raise InvalidArgumentError(
                f"{name}: image_shape={tuple(layer.image_shape)} holds "
                f"{math.prod(layer.image_shape)} pixels, but each sample has {width} features."
            )
        return tuple(layer.image_shape)
    side = math.isqrt(width)
    if side * side != width:
        raise InvalidArgumentError(
            f"{name} cannot tell the image size of {width}-feature rows (not a square); pass "
            "image_shape=(height, width)."
        )
    return side, side


def _check_image_shape(image_shape, name):
    if image_shape is None:
        return None
    if (not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                       for d in image_shape)):
        raise InvalidTypeError(
            f"{name}: image_shape must be a pair of positive integers (height, width). "
            f"Received: image_shape={image_shape!r}"
        )
    return tuple(image_shape)


@register("random_translation")
class RandomTranslation(Layer):
    """While training, shift each image by a random whole number of pixels,
    up to ``max_shift`` in each direction (drawn uniformly and independently
    for rows and columns), filling the uncovered border with zeros. At
    inference it is the identity.

    Shifted copies are the cheapest augmentation that helps a multi-layer
    perceptron on digits: the network no longer learns each stroke at one
    exact pixel position.

    Parameters
    ----------
    max_shift : int
        Largest shift in pixels (0 turns the layer off).
    image_shape : (int, int), optional
        Height and width of each image when samples are flattened rows; by
        default a square image (784 features: 28 x 28).
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> shift = nz.layers.RandomTranslation(1)
    >>> shift.build((9,), np.random.default_rng(0), np.float64)
    >>> image = np.arange(1.0, 10.0).reshape(1, 9)
    >>> shift.forward(image, training=True).shape            # a shifted copy
    (1, 9)
    >>> bool(np.array_equal(shift.forward(image), image))   # identity at inference
    True
    """

    def __init__(self, max_shift: int = 2, image_shape=None, name: str | None = None):
        super().__init__(name)
        self.max_shift = check_int(max_shift, "max_shift", low=0)  # pixels
        self.image_shape = _check_image_shape(image_shape, "RandomTranslation")
        self._rng = None
        self._index = None

    def build(self, input_shape, rng, dtype):
        height, width = _image_shape(self, input_shape)
        s = self.max_shift
        if s >= min(height, width):
            raise InvalidArgumentError(
                f"max_shift={s} would shift a {height}x{width} image out of view; it must be "
                f"below {min(height, width)}."
            )
        self._rng = rng
        self._hw = (height, width)
        self._padded_hw = (height + 2 * s, width + 2 * s)
        # Output pixel (i, j) of an image shifted by (dy, dx) is pixel
        # (i - dy + s, j - dx + s) of the zero-padded image: in the padded
        # row, the unshifted pixel's index plus one offset per image.
        i, j = np.divmod(np.arange(height * width), width)
        self._base = (i * self._padded_hw[1] + j).astype(np.intp)
        self._padded = None
        super().build(input_shape, rng, dtype)

    def _inner(self, padded):
        """The images inside ``(n, padded pixels)`` rows, as an (n, h, w) view."""
        (height, width), s = self._hw, self.max_shift
        return padded.reshape(-1, *self._padded_hw)[:, s:s + height, s:s + width]

    def forward(self, x, training=False):
        if not training or self.max_shift == 0:
            self._index = None
            return x
        n, s = x.shape[0], self.max_shift
        shape = (n, math.prod(self._padded_hw))
        # A buffer reused from batch to batch: its border stays zero.
        if self._padded is None or self._padded.shape != shape or self._padded.dtype != x.dtype:
            self._padded = np.zeros(shape, dtype=x.dtype)
        self._inner(self._padded)[...] = x.reshape(n, *self._hw)
        dy, dx = self._rng.integers(-s, s + 1, size=(2, n))
        offset = (s - dy) * self._padded_hw[1] + (s - dx)
        self._index = self._base + offset[:, None]
        return np.take_along_axis(self._padded, self._index, axis=1).reshape(x.shape)

    def backward(self, grad):
        if self._index is None:
            return grad
        if not self.needs_input_grad:
            return None
        # The adjoint of the gather: each output pixel came from one distinct
        # padded pixel, so scattering puts every gradient back where it came from.
        padded = np.zeros((grad.shape[0], math.prod(self._padded_hw)), dtype=grad.dtype)
        np.put_along_axis(padded, self._index, grad.reshape(len(grad), -1), axis=1)
        return np.ascontiguousarray(self._inner(padded)).reshape(grad.shape)

    def get_config(self):
        config = {"name": "random_translation", "max_shift": self.max_shift}
        if self.image_shape is not None:
            config["image_shape"] = list(self.image_shape)
        return config


@register("random_flip")
class RandomFlip(Layer):
    """While training, mirror each image left to right with probability 1/2;
    at inference it is the identity. Right for pictures of things that have
    no handedness (Fashion-MNIST's clothes), wrong for digits and letters.

    Parameters
    ----------
    image_shape : (int, int), optional
        Height and width of each image when samples are flattened rows; by
        default a square image.
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> flip = nz.layers.RandomFlip()
    >>> flip.build((4,), np.random.default_rng(0), np.float64)
    >>> flip.forward(np.array([[1.0, 2.0, 3.0, 4.0]]))      # identity at inference
    array([[1., 2., 3., 4.]])
    """

    def __init__(self, image_shape=None, name: str | None = None):
        super().__init__(name)
        self.image_shape = _check_image_shape(image_shape, "RandomFlip")
        self._rng = None
        self._flipped = None

    def build(self, input_shape, rng, dtype):
        self._hw = _image_shape(self, input_shape)
        self._rng = rng
        super().build(input_shape, rng, dtype)

    def _mirror(self, x, rows):
        n = x.shape[0]
        out = x.reshape(n, *self._hw).copy()
        out[rows] = out[rows, :, ::-1]
        return out.reshape(x.shape)

    def forward(self, x, training=False):
        if not training:
            self._flipped = None
            return x
        self._flipped = self._rng.random(x.shape[0]) < 0.5
        return self._mirror(x, self._flipped)

    def backward(self, grad):
        if self._flipped is None:
            return grad
        if not self.needs_input_grad:
            return None
        # A mirror image is its own inverse and its own adjoint.
        return self._mirror(grad, self._flipped)

    def get_config(self):
        config = {"name": "random_flip"}
        if self.image_shape is not None:
            config["image_shape"] = list(self.image_shape)
        return config
