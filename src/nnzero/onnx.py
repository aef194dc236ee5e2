"""Export a trained :class:`nnzero.Sequential` to ONNX.

The graph is built with the ``onnx`` package's own helpers and checked with
``onnx.checker`` (with shape inference) before it is written. The batch
dimension is symbolic, so the file accepts any number of rows.

How each piece maps to ONNX operators:

==================  ==========================================
nnzero              ONNX
==================  ==========================================
Dense               Gemm (MatMul without a bias)
Flatten             Flatten(axis=1)
Dropout             nothing: inverted dropout is the identity
                    at inference
RandomTranslation,  nothing: augmentation is the identity at
RandomFlip          inference
Activation layer    its activation's operator
linear              nothing
relu                Relu
sigmoid             Sigmoid
tanh                Tanh
leaky_relu          LeakyRelu(alpha=negative_slope)
elu                 Elu(alpha)
softmax             Softmax(axis=1)
step                GreaterOrEqual(z, 0) then Cast
==================  ==========================================

Anything else (a user-defined layer or activation) has no ONNX operator we
can name, and export stops with an error that says which layer it is.

The exported graph computes what ``model.predict`` returns: probabilities
after a softmax/sigmoid output, logits when the model's loss was compiled
with ``from_logits=True``. A float64 model exports as a float64 graph; note
that onnxruntime's CPU provider implements Elu only for float32, and that
ONNX stores the ``alpha`` of LeakyRelu and Elu as float32.

``onnx`` is an optional dependency (``pip install 'nnzero[onnx]'``); it is
imported only when a function here runs.

Example
-------
>>> import os, tempfile
>>> import nnzero as nz
>>> from nnzero.onnx import to_onnx
>>> model = nz.Sequential([nz.layers.Dense(4, activation="relu"),
...                        nz.layers.Dense(3, activation="softmax")], seed=0)
>>> model.build((5,))
>>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
>>> proto = to_onnx(model, path)
>>> [node.op_type for node in proto.graph.node]
['Gemm', 'Relu', 'Gemm', 'Softmax']
"""

from __future__ import annotations

import numpy as np

from ._io import atomic_write_bytes
from ._validation import check_int, check_string
from ._version import __version__
from .activations import ELU, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Step, Tanh
from .errors import InvalidArgumentError
from .layers import Activation, Dense, Dropout, Flatten, RandomFlip, RandomTranslation

DEFAULT_OPSET = 17  # old enough for every current onnxruntime, new enough for all ops used

_SIMPLE_OPS = {ReLU: "Relu", Sigmoid: "Sigmoid", Tanh: "Tanh"}


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the onnx package: pip install 'nnzero[onnx]'"
        ) from None
    return onnx


class _GraphBuilder:
    """Collects nodes and initializers, naming each tensor after its layer."""

    def __init__(self, onnx, dtype):
        self.onnx = onnx
        self.dtype = dtype
        self.nodes = []
        self.initializers = []

    def constant(self, name: str, array) -> str:
        array = np.ascontiguousarray(array, dtype=self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attributes) -> str:
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, [output], name=output, **attributes)
        )
        return output


def _activation(builder, activation, tensor: str, prefix: str, where: str) -> str:
    """Add the nodes of ``activation`` applied to ``tensor``; return the output."""
    kind = type(activation)
    if kind is Linear:
        return tensor
    if kind in _SIMPLE_OPS:
        return builder.node(_SIMPLE_OPS[kind], [tensor], f"{prefix}_{kind.registered_name}")
    if kind is LeakyReLU:
        return builder.node("LeakyRelu", [tensor], f"{prefix}_leaky_relu",
                            alpha=float(activation.negative_slope))
    if kind is ELU:
        return builder.node("Elu", [tensor], f"{prefix}_elu", alpha=float(activation.alpha))
    if kind is Softmax:
        return builder.node("Softmax", [tensor], f"{prefix}_softmax", axis=1)
    if kind is Step:
        zero = builder.constant(f"{prefix}_zero", np.zeros(()))
        mask = builder.node("GreaterOrEqual", [tensor, zero], f"{prefix}_step_mask")
        to = builder.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(builder.dtype))
        return builder.node("Cast", [mask], f"{prefix}_step", to=to)
    raise InvalidArgumentError(
        f"{where} uses the activation {activation!r}, which cannot be exported to ONNX. "
        "Exportable activations: elu, leaky_relu, linear, relu, sigmoid, softmax, step, tanh."
    )


def _layer(builder, layer, index: int, tensor: str) -> str:
    where = f"Layer {index} ({type(layer).__name__})"
    prefix = f"layer{index}"
    kind = type(layer)
    if kind is Dense:
        kernel = builder.constant(f"{prefix}_kernel", layer.kernel)
        if layer.use_bias:
            bias = builder.constant(f"{prefix}_bias", layer.bias)
            z = builder.node("Gemm", [tensor, kernel, bias], f"{prefix}_dense")
        else:
            z = builder.node("MatMul", [tensor, kernel], f"{prefix}_dense")
        return _activation(builder, layer.activation, z, prefix, where)
    if kind is Flatten:
        return builder.node("Flatten", [tensor], f"{prefix}_flatten", axis=1)
    if kind in (Dropout, RandomTranslation, RandomFlip):
        return tensor
    if kind is Activation:
        return _activation(builder, layer.activation, tensor, prefix, where)
    raise InvalidArgumentError(
        f"{where} cannot be exported to ONNX: only Dense, Flatten, Dropout, Activation and the "
        "augmentation layers have an ONNX form."
    )


def to_onnx(model, path=None, *, opset: int = DEFAULT_OPSET, input_name: str = "input",
            output_name: str = "output"):
    """Build (and, when ``path`` is given, write) the ONNX graph of a built
    ``model``; returns the ``onnx.ModelProto``.

    The input is ``input_name`` with shape ``("batch", *model.input_shape)``
    and the model's float type; the output is ``output_name``. ``opset``
    chooses the ONNX operator set (at least 13). The file is written
    atomically.

    Parameters
    ----------
    model : Sequential
        A built model.
    path : str or path-like, optional
        Where to write the ``.onnx`` file; nothing is written without it.
    opset : int, keyword-only
        The ONNX operator set, at least 13.
    input_name, output_name : str, keyword-only, default "input", "output"
        Names of the graph's input and output (they must differ).

    Returns
    -------
    onnx.ModelProto
        The graph, checked with ``onnx.checker``.

    Raises
    ------
    InvalidArgumentError
        If the model is not built, an argument is invalid, or a layer or
        activation has no ONNX form (it is named).
    ImportError
        If the ``onnx`` package is missing (``pip install 'nnzero[onnx]'``).

    Examples
    --------
    >>> import nnzero as nz
    >>> from nnzero.onnx import to_onnx
    >>> model = nz.Sequential([nz.layers.Flatten(), nz.layers.Dense(2)])
    >>> model.build((3, 3))
    >>> proto = to_onnx(model)
    >>> [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    ['batch', 3, 3]
    """
    onnx = _require_onnx()
    if not model.built:
        raise InvalidArgumentError(
            "Cannot export a model that is not built yet; fit it or call build(input_shape)."
        )
    opset = check_int(opset, "opset", low=13)
    input_name = check_string(input_name, "input_name")
    output_name = check_string(output_name, "output_name")
    if input_name == output_name:
        raise InvalidArgumentError(
            f"`input_name` and `output_name` must differ. Received: both {input_name!r}"
        )
    helper = onnx.helper
    builder = _GraphBuilder(onnx, model.dtype)
    tensor = input_name
    for index, layer in enumerate(model.layers):
        tensor = _layer(builder, layer, index, tensor)
    if builder.nodes and builder.nodes[-1].output[0] == tensor:
        builder.nodes[-1].output[0] = output_name  # the last node writes the graph output
    else:
        # No node made the result (only Dropout or augmentation layers): pass the input through.
        builder.node("Identity", [tensor], output_name)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(model.dtype))
    graph = helper.make_graph(
        builder.nodes,
        "nnzero_sequential",
        [helper.make_tensor_value_info(input_name, elem, ["batch", *model.input_shape])],
        [helper.make_tensor_value_info(output_name, elem, ["batch", *model.output_shape])],
        initializer=builder.initializers,
    )
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="nnzero",
        producer_version=__version__,
        doc_string=repr(model),
        # The oldest IR version that can hold this opset, so older runtimes load it.
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        atomic_write_bytes(path, proto.SerializeToString())
    return proto


def export_onnx_file(model_path, out_path, *, opset: int = DEFAULT_OPSET):
    """Read an nnzero model file (``.nnz``) and write its ONNX export to
    ``out_path``; the function behind ``nnzero export-onnx MODEL OUT.onnx``.

    Parameters
    ----------
    model_path : str or path-like
        The nnzero model file.
    out_path : str or path-like
        The ONNX file to write.
    opset : int, keyword-only
        The ONNX operator set, at least 13.

    Returns
    -------
    onnx.ModelProto

    Raises
    ------
    ModelFileError
        If the model file cannot be read.

    Examples
    --------
    >>> import os, tempfile
    >>> import nnzero as nz
    >>> from nnzero.onnx import export_onnx_file
    >>> folder = tempfile.mkdtemp()
    >>> model = nz.Sequential([nz.layers.Dense(2, activation="sigmoid")])
    >>> model.build((4,))
    >>> model.save(os.path.join(folder, "m.nnz"))
    >>> proto = export_onnx_file(os.path.join(folder, "m.nnz"), os.path.join(folder, "m.onnx"))
    >>> os.path.exists(os.path.join(folder, "m.onnx"))
    True
    """
    from .model import load_model

    return to_onnx(load_model(model_path, compile=True), out_path, opset=opset)
