"""Describing the model: :class:`Description`, which
:class:`~nnzero.Sequential` inherits ``trace``, ``summary``, ``get_config``
and ``save`` from.
"""

from __future__ import annotations

from .file_format import save_model
from .trace import Trace, trace


class Description:
    """``trace``, ``summary``, ``get_config`` and ``save`` for a model that
    provides ``layers``, ``input_shape``, ``seed``, ``dtype``, ``built`` and
    ``count_params`` (as :class:`~nnzero.Sequential` does).

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> isinstance(model, Description), model.get_config()["class"]
    (True, 'Sequential')
    """

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
