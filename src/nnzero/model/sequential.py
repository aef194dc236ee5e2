"""The Sequential model: a stack of layers, trained end to end."""

from __future__ import annotations

import weakref

import numpy as np

from .. import layers as layers_module
from .. import losses, optimizers
from .._flat import pack_lists
from .._validation import check_dtype, check_int
from ..activations import Sigmoid, Softmax
from ..errors import InvalidArgumentError, InvalidTypeError, NotCompiledError
from ..metrics import get as get_metric
from .description import Description
from .inference import Inference
from .inputs import InputChecks
from .trainer import Trainer
from .weights import WeightAccess

# The model each layer was added to, held weakly on both sides: a layer whose
# model is gone may join another, and nothing is added to the layer itself
# (it pickles and saves as before).
_OWNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Sequential(InputChecks, Inference, WeightAccess, Description, Trainer):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        The layers, first to last.
    seed : int or None
        Seed of the model's one random generator (initial weights, shuffling,
        dropout). Same seed, data and thread count: bit-identical weights.
    dtype : {"float32", "float64"}
        Precision of weights and computation.

    Attributes
    ----------
    optimizer, loss, metric_names, metric_functions
        What :meth:`compile` resolved (``metric_functions[i]`` computes
        ``metric_names[i]``).
    output_fused : bool
        True when the output activation and the loss meet in ``p - y``
        (softmax with categorical, sigmoid with binary cross-entropy): the
        training step then starts backpropagation from the logits.
    batch_buffer : ndarray or None
        The array ``fit`` gathers each shuffled batch into, kept for the next
        epoch and ``fit`` call so its pages are not allocated again.
    history, stop_training
        The last ``fit``'s :class:`History`; a callback sets
        ``stop_training`` to end training after the current epoch.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> y = np.array([0, 1, 1, 0])
    >>> model = nz.Sequential([nz.layers.Dense(8, activation="tanh"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=1)
    >>> model.compile(optimizer=nz.optimizers.Adam(0.05),
    ...               loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> history = model.fit(x, y, epochs=300, batch_size=4, verbose=0)
    >>> model.predict_classes(x).tolist()
    [0, 1, 1, 0]
    """

    def __init__(self, layers=None, seed: int | None = 0, dtype="float32"):
        if seed is not None:
            seed = check_int(seed, "seed", low=0)
        self.seed = seed
        self.dtype = check_dtype(dtype)
        self.rng = np.random.default_rng(seed)
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.layers: list = []
        if isinstance(layers, layers_module.Layer) or not isinstance(layers, (list, tuple,
                                                                               type(None))):
            raise InvalidTypeError(
                "`layers` must be a list of layers; a single layer goes in a list too: "
                f"Sequential([{type(layers).__name__}(...)]). Received: {layers!r}")
        for layer in layers or []:
            self.add(layer)
        self.optimizer = None
        self.loss = None
        self.metric_names: list[str] = []
        self.metric_functions: list = []
        self.output_fused = False
        self.batch_buffer = None
        self.stop_training = False
        self.history = None

    # -- structure --------------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer.

        Parameters
        ----------
        layer : Layer
            Any layer of :mod:`nnzero.layers` (or your own subclass).

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential()
        >>> model.add(nz.layers.Dense(4, activation="relu"))
        >>> model.add(nz.layers.Dense(1))
        >>> len(model.layers)
        2
        """
        if not isinstance(layer, layers_module.Layer):
            raise InvalidTypeError(
                "Sequential takes nnzero layers. "
                f"Received: {layer!r} of type {type(layer).__name__}"
            )
        if self.built:
            raise InvalidArgumentError("Cannot add layers to a model that is already built.")
        owner = _OWNERS.get(layer)
        if owner is not None and owner() is not None and owner() is not self:
            # A layer holds its weights: building it again for this model would
            # silently replace the other model's.
            raise InvalidArgumentError(
                f"This {type(layer).__name__} layer already belongs to another model; a layer "
                "holds its weights, so it cannot be shared. Create a new layer for this model.")
        _OWNERS[layer] = weakref.ref(self)
        self.layers.append(layer)

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def build(self, input_shape) -> None:
        """Create every layer's weights for samples of shape ``input_shape``
        (without the batch dimension), e.g. ``(784,)``.

        ``fit``, ``evaluate`` and ``predict`` build the model from the first
        data they see; build it yourself to inspect or save it before that.

        Parameters
        ----------
        input_shape : tuple of int
            The shape of one sample.

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3)])
        >>> model.build((4,))
        >>> model.layers[0].kernel.shape, model.count_params()
        ((4, 3), 15)
        """
        if not self.layers:
            raise InvalidArgumentError(
                "The model has no layers; pass a list of layers to Sequential."
            )
        shape = tuple(int(d) for d in input_shape)
        for i, layer in enumerate(self.layers):
            layer.needs_input_grad = i > 0
            layer.build(shape, self.rng, self.dtype)
            shape = layer.compute_output_shape(shape)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.output_shape = shape
        # Parameters and gradients as views into one buffer each, so that the
        # optimizer updates all of them in a few vectorised passes.
        if all(layer.params_packable or not layer.params for layer in self.layers):
            pack_lists([layer.params for layer in self.layers])
            pack_lists([layer.grads for layer in self.layers])

    @property
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    # -- compile ----------------------------------------------------------------
    def compile(self, optimizer="adam", loss="mse", metrics=None) -> None:
        """Choose the optimizer, loss and metrics.

        Each may be a name (``"adam"``, ``"sparse_categorical_crossentropy"``,
        ``"accuracy"``) or an object.

        Parameters
        ----------
        optimizer : str, dict or Optimizer, default "adam"
            See :mod:`nnzero.optimizers`.
        loss : str, dict or Loss, default "mse"
            See :mod:`nnzero.losses`.
        metrics : list of str, optional
            ``"accuracy"``, ``"mae"`` or ``"mse"``, reported per epoch.

        Raises
        ------
        InvalidArgumentError
            If a name is unknown, or a layer's activation cannot be trained
            by backpropagation (the step function).

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3, activation="softmax")])
        >>> model.compile(optimizer=nz.optimizers.SGD(0.1),
        ...               loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        >>> model.optimizer
        SGD(learning_rate=0.1, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0)
        """
        for layer in self.layers:
            activation = getattr(layer, "activation", None)
            if activation is not None and not activation.differentiable:
                raise InvalidArgumentError(
                    f"Layer {layer!r} uses the {type(activation).__name__.lower()} activation, "
                    "which has no gradient and cannot be trained by backpropagation. Use a "
                    "differentiable activation, or nnzero.Perceptron for the step rule."
                )
        # Resolve everything before assigning anything, so a failed call
        # leaves a compiled model as it was.
        optimizer = optimizers.get(optimizer)
        loss = losses.get(loss)
        if metrics is None:
            metrics = []
        if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
            raise InvalidTypeError(
                f"`metrics` must be a list of names. Received: metrics={metrics!r}"
            )
        resolved = [get_metric(m) for m in metrics]
        self.optimizer = optimizer
        self.loss = loss
        self.metric_names = [name for name, _ in resolved]
        self.metric_functions = [fn for _, fn in resolved]
        self.output_fused = self._output_fuses_with_loss()

    def _output_fuses_with_loss(self) -> bool:
        """True when the output activation and the loss meet in ``p - y``."""
        if not self.layers or self.loss.from_logits:
            return False
        wanted = {"softmax": Softmax, "sigmoid": Sigmoid}.get(self.loss.fused_activation)
        activation = getattr(self.layers[-1], "activation", None)
        return wanted is not None and type(activation) is wanted

    @property
    def compiled(self) -> bool:
        return self.loss is not None

    def require_compiled(self, method: str) -> None:
        """Raise :class:`~nnzero.NotCompiledError` naming ``method`` unless compiled."""
        if not self.compiled:
            raise NotCompiledError(f"You must call compile(optimizer, loss) before {method}().")

    def __repr__(self):
        inner = ", ".join(repr(layer).split("(")[0] for layer in self.layers)
        return f"Sequential([{inner}], seed={self.seed}, dtype={self.dtype.name!r})"
