"""The Sequential model: a stack of layers, trained end to end."""

from __future__ import annotations

import weakref

import numpy as np

from .. import layers as layers_module
from .. import losses, optimizers
from .._flat import pack_lists
from .._validation import as_float_array, check_dtype, check_int
from ..activations import Sigmoid, Softmax
from ..errors import InvalidArgumentError, InvalidTypeError, NotCompiledError
from ..metrics import get as get_metric
from ..metrics import predicted_classes
from ..threads import largest_product, threads_for_products
from .file_format import save_model
from .trace import Trace, trace
from .trainer import PREDICT_BATCH, Trainer

# The model each layer was added to, held weakly on both sides: a layer whose
# model is gone may join another, and nothing is added to the layer itself
# (it pickles and saves as before).
_OWNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Sequential(Trainer):
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

    # -- inputs -----------------------------------------------------------------
    def validate_x(self, x, name: str = "x", *, build: bool = True, input_shape=None) -> np.ndarray:
        """``x`` (the argument ``name``) as an array of the model's dtype.

        An unbuilt model is built from it unless ``build`` is false (``fit``
        builds only once every argument has passed, so a failed call leaves
        an unbuilt model unbuilt). ``input_shape`` is the sample
        shape expected of an unbuilt model (validation data must match x).

        Example
        -------
        >>> model = Sequential([layers_module.Dense(3)])
        >>> model.validate_x([[1, 2]], build=False).dtype, model.built
        (dtype('float32'), False)
        """
        x = as_float_array(x, name, self.dtype)
        if x.ndim >= 2 and 0 in x.shape[1:]:
            raise InvalidArgumentError(
                f"`{name}` has no features: samples of shape {x.shape[1:]}. Received: shape "
                f"{x.shape}")
        takes_nd = bool(self.layers) and isinstance(self.layers[0], layers_module.Flatten)
        if x.ndim != 2 and not takes_nd:
            raise InvalidArgumentError(
                f"`{name}` must be 2-D (n_samples, n_features). Received: shape {x.shape}. "
                "Flatten it first, or make Flatten() the first layer."
            )
        expected = self.input_shape if self.built else input_shape
        if expected is None:
            if build:
                self.build(x.shape[1:])
        elif x.shape[1:] != tuple(expected):
            where = "the model was built for" if self.built else "`x` has samples of shape"
            raise InvalidArgumentError(
                f"`{name}` has samples of shape {x.shape[1:]}, but {where} {tuple(expected)}."
            )
        return x

    def output_width(self, input_shape) -> int:
        """Number of outputs for samples of ``input_shape``, without building.

        Example
        -------
        >>> Sequential([layers_module.Dense(3)]).output_width((5,))
        3
        """
        if self.built:
            return self.output_shape[0]
        if not self.layers:
            raise InvalidArgumentError(
                "The model has no layers; pass a list of layers to Sequential."
            )
        shape = tuple(int(d) for d in input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape[0]

    def validate_y(self, y, x: np.ndarray, name: str = "y", n_outputs: int | None = None):
        """Targets ``y`` (the argument ``name``) checked by the loss against
        ``n_outputs`` (default: the built model's) and the length of ``x``."""
        if y is None:
            raise InvalidArgumentError(f"`{name}` is required.")
        width = self.output_shape[0] if n_outputs is None else n_outputs
        try:
            y = self.loss.prepare_targets(y, width, self.dtype)
        except (InvalidArgumentError, InvalidTypeError) as err:
            if name == "y":
                raise
            # The losses word their messages for `y`; name the argument actually at fault.
            message = str(err)
            if "`y`" in message:
                raise type(err)(message.replace("`y`", f"`{name}`")) from None
            raise type(err)(f"`{name}`: {message}") from None
        if len(y) != len(x):
            raise InvalidArgumentError(
                f"`x` and `{name}` must have the same number of samples. "
                f"Received: {len(x)} and {len(y)}"
            )
        return y

    # -- inference --------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Every layer's ``forward`` in turn on a validated batch ``x`` (with
        ``training``, each keeps what its backward pass needs).

        Example
        -------
        >>> model = Sequential([layers_module.Dense(3)])
        >>> model.build((2,))
        >>> model.forward(np.ones((4, 2), "float32")).shape
        (4, 3)
        """
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def predict(self, x, batch_size: int | None = None) -> np.ndarray:
        """The network's outputs (probabilities for a softmax/sigmoid output,
        logits when the loss was compiled with ``from_logits=True``).

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray, shape (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.predict(np.zeros((1, 3))).round(2)  # zero inputs, zero biases
        array([[0.5, 0.5]], dtype=float32)
        """
        x = self.validate_x(x)
        step = PREDICT_BATCH if batch_size is None else check_int(batch_size, "batch_size", low=1)
        # A confident output underflows to exactly 0 or 1: the right result.
        with threads_for_products(largest_product(self, min(step, len(x)))), np.errstate(
            under="ignore"
        ):
            if len(x) <= step:
                return self.forward(x)
            return np.concatenate([self.forward(x[i : i + step]) for i in range(0, len(x), step)])

    def predict_proba(self, x, batch_size: int | None = None) -> np.ndarray:
        """Class probabilities, applying the loss's activation to logits if needed.

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray, shape (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(1, kernel_initializer="zeros")])
        >>> model.compile(loss=nz.losses.BinaryCrossentropy(from_logits=True))
        >>> model.predict_proba(np.zeros((1, 2)))  # sigmoid(0)
        array([[0.5]], dtype=float32)
        """
        out = self.predict(x, batch_size)
        if self.loss is not None and self.loss.from_logits:
            with np.errstate(under="ignore"):  # exp of a very negative logit is 0
                out = self.loss.activate(out)
        return out

    def predict_classes(self, x, batch_size: int | None = None) -> np.ndarray:
        """Predicted class index per sample (argmax, or 0.5 threshold for one output).

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray of int64, shape (n_samples,)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.build((2,))
        >>> model.set_weights([np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2)])
        >>> model.predict_classes(np.array([[2.0, 0.0], [0.0, 2.0]]))
        array([0, 1])
        """
        out = self.predict(x, batch_size)
        from_logits = self.loss is not None and self.loss.from_logits
        return predicted_classes(out, from_logits)

    # -- weights ----------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter in Keras order (per Dense: kernel (n_in,
        n_out), then bias).

        Returns
        -------
        list of ndarray

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3)])
        >>> model.build((4,))
        >>> [w.shape for w in model.get_weights()]
        [(4, 3), (3,)]
        """
        return [p.copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Replace every parameter, in ``get_weights`` order; shapes must match.

        Parameters
        ----------
        weights : list of array-like
            One array per parameter, as ``get_weights`` returns them.

        Raises
        ------
        InvalidArgumentError
            If the count or a shape does not match (the parameter is named).

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(1)])
        >>> model.build((2,))
        >>> model.set_weights([np.ones((2, 1)), np.zeros(1)])
        >>> model.predict(np.array([[1.0, 2.0]]))
        array([[3.]], dtype=float32)
        """
        if not self.built:
            raise InvalidArgumentError(
                "set_weights needs a built model; call build(input_shape) or fit first."
            )
        params = self.params
        if not isinstance(weights, (list, tuple)):
            raise InvalidTypeError(
                "`weights` must be a list of arrays, as returned by get_weights(). "
                f"Received: an object of type {type(weights).__name__}"
            )
        if len(weights) != len(params):
            raise InvalidArgumentError(
                f"set_weights expected {len(params)} arrays. Received: {len(weights)}"
            )
        # Every array is checked before any parameter changes, so a failed
        # call leaves the model as it was.
        arrays = []
        for i, w in enumerate(weights):
            try:
                arrays.append(np.asarray(w))
            except (TypeError, ValueError) as err:
                raise InvalidTypeError(
                    f"`weights[{i}]` must be an array of numbers. Received: {err}"
                ) from None
            if arrays[-1].dtype.kind not in "biuf":
                raise InvalidTypeError(
                    f"`weights[{i}]` must be numeric. Received: an array of dtype "
                    f"{arrays[-1].dtype}"
                )
        for i, (param, w) in enumerate(zip(params, arrays, strict=True)):
            if w.shape != param.shape:
                raise InvalidArgumentError(
                    f"set_weights: array {i} must have shape {param.shape}. Received: {w.shape}"
                )
            if not np.isfinite(w).all():
                raise InvalidArgumentError(
                    f"set_weights: array {i} contains NaN or infinite values."
                )
        for param, w in zip(params, arrays, strict=True):
            param[...] = w

    # -- description ------------------------------------------------------------
    def trace(self, x, y, sample_weight=None) -> Trace:
        """One forward and backward pass on ``(x, y)`` that updates nothing.

        Returns, for every Dense layer, its input ``x``, pre-activation
        ``z``, activation ``a``, and the gradients ``dz``, ``dW`` and ``db``
        exactly as a training step computes them (training-mode forward
        pass, the batch mean's ``1/n`` in ``dz``, the L2 penalty's gradient
        in ``dW``), as ``t[i].z`` and so on; ``print(t)`` shows a table of
        shapes and norms. The weights, the optimizer's state, the random
        generator, batch-normalisation statistics and the layers' gradient
        buffers are as they were before the call.

        Parameters
        ----------
        x : array-like, shape (n_samples, n_features)
        y : array-like
            Targets, as for ``fit``.
        sample_weight : array-like, shape (n_samples,), optional

        Returns
        -------
        Trace
            A list of :class:`~nnzero.model.trace.LayerTrace`, one per Dense
            layer, with the pass's ``loss`` and ``output``.

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3, activation="sigmoid"),
        ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
        >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        >>> t = model.trace(np.ones((4, 5)), [0, 1, 1, 0])
        >>> [layer.dW.shape for layer in t], t[1].db.shape
        ([(5, 3), (3, 2)], (2,))
        """
        return trace(self, x, y, sample_weight)

    def summary(self, print_fn=print) -> str:
        """A table of layers, output shapes, the shapes of each layer's W and
        b (tutorial 000's rule: W is (inputs, units), b is (units,)) and
        parameter counts.

        Parameters
        ----------
        print_fn : callable or None, default print
            Called with the table; ``None`` prints nothing.

        Returns
        -------
        str
            The table.

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3, activation="relu")])
        >>> model.build((4,))
        >>> "Total params: 15" in model.summary(print_fn=None)
        True
        """
        rows = [("Layer", "Output shape", "W", "b", "Params")]
        shape = self.input_shape
        for layer in self.layers:
            if shape is not None:
                shape = layer.compute_output_shape(shape)
            shown = "?" if shape is None else str((None, *shape))
            count = str(layer.count_params()) if layer.built else "?"
            w, b = _parameter_shapes(layer)
            rows.append((repr(layer).split("(")[0] + _activation_note(layer), shown, w, b, count))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        rule = "-" * len(lines[0])
        total = f"Total params: {self.count_params() if self.built else '? (not built)'}"
        text = "\n".join([rule, lines[0], rule, *lines[1:], rule, total])
        if print_fn is not None:
            print_fn(text)
        return text

    def get_config(self) -> dict:
        return {
            "class": "Sequential",
            "seed": self.seed,
            "dtype": self.dtype.name,
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "layers": [layer.get_config() for layer in self.layers],
        }

    def save(self, path, include_optimizer: bool = True) -> None:
        """Write the model to ``path`` (safetensors weights with a JSON config),
        atomically: an interrupted save leaves any previous file intact.

        Parameters
        ----------
        path : str or path-like
            The file to write (``.nnz`` by convention).
        include_optimizer : bool, default True
            Also save the optimizer's state, so that training resumes where
            it stopped after ``load_model``.

        Raises
        ------
        ModelFileError
            If the file cannot be written.

        Examples
        --------
        >>> import os, tempfile
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2)])
        >>> model.build((3,))
        >>> path = os.path.join(tempfile.mkdtemp(), "model.nnz")
        >>> model.save(path)
        >>> nz.load_model(path).layers[0].kernel.shape
        (3, 2)
        """
        save_model(self, path, include_optimizer=include_optimizer)

    def __repr__(self):
        inner = ", ".join(repr(layer).split("(")[0] for layer in self.layers)
        return f"Sequential([{inner}], seed={self.seed}, dtype={self.dtype.name!r})"


def _parameter_shapes(layer) -> tuple[str, str]:
    """The shapes of a layer's kernel and bias as shown by ``summary`` ("-"
    where it has none, "?" before it is built)."""
    names = list(getattr(layer, "param_names", []) or [])
    if "kernel" not in names and "bias" not in names:
        return "-", "-"
    if not layer.built:
        return "?", "?"
    shapes = {name: str(tuple(p.shape)) for name, p in zip(names, layer.params, strict=False)}
    return shapes.get("kernel", "-"), shapes.get("bias", "-")


def _activation_note(layer) -> str:
    activation = getattr(layer, "activation", None)
    return f"[{type(activation).__name__.lower()}]" if activation is not None else ""
