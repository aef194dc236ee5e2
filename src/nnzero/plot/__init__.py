"""Plots of training runs and models, as matplotlib figures.

Every function returns a ``matplotlib.figure.Figure`` (except
``boundary_animation``, which writes a GIF) and never opens a window, so
they work on servers and in tests; ``save`` writes a figure to a file and
releases it. In a notebook a returned figure displays itself once
``%matplotlib inline`` has run (nnzero.plot draws without pyplot, whose
import is what turns that on by itself).

- ``history``: loss and metric curves per epoch, training and validation.
- ``confusion_matrix``: true against predicted classes.
- ``misclassified``: the images a model got wrong.
- ``first_layer_weights``: the first Dense layer's weights as images.
- ``decision_boundary``: the class regions of a two-input model.
- ``boundary_grid``: boundaries over hidden-layer sizes, beside logistic
  regression, as in the two-moons tutorial.
- ``boundary_animation``: a GIF of the boundary while a model trains.
- ``architecture``: neurons and weights of a small network, layer blocks
  with W and b shapes of a large one.
- ``activations``: every activation and its derivative.
- ``optimizer_paths``: the optimizers' paths on a function of two variables.
- ``samples``: a labelled grid of images.
- ``hidden_units``: the images a hidden layer's units respond to most.
- ``lr_find``: the loss against the rate of a learning-rate range test.
- ``layer_stats``: per-layer activations, saturation, gradients and updates
  recorded by ``nnzero.callbacks.LayerStats``.
- ``compare`` / ``comparison_table``: several runs against epochs, updates
  and seconds, with a table of accuracy and time per epoch.

Example
-------
>>> import pathlib, tempfile
>>> import nnzero as nz
>>> from nnzero import plot
>>> model = nz.Sequential([nz.layers.Dense(1)])
>>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
>>> history = model.fit([[0.0], [1.0]], [0.0, 1.0], epochs=3, verbose=0)
>>> fig = plot.history(history)
>>> out = plot.save(fig, pathlib.Path(tempfile.mkdtemp()) / "history.png")
>>> out.suffix
'.png'
"""

from nnzero.plot._base import close, save
from nnzero.plot.animation import boundary_animation
from nnzero.plot.architecture import architecture
from nnzero.plot.boundary import boundary_grid, decision_boundary
from nnzero.plot.compare import compare, comparison_table
from nnzero.plot.diagnostics import layer_stats, lr_find
from nnzero.plot.functions import activations
from nnzero.plot.images import first_layer_weights, misclassified
from nnzero.plot.paths import optimizer_paths
from nnzero.plot.samples import hidden_units, samples
from nnzero.plot.training import confusion_matrix, history

__all__ = [
    "activations",
    "architecture",
    "boundary_animation",
    "boundary_grid",
    "close",
    "compare",
    "comparison_table",
    "confusion_matrix",
    "decision_boundary",
    "first_layer_weights",
    "hidden_units",
    "history",
    "layer_stats",
    "lr_find",
    "misclassified",
    "optimizer_paths",
    "samples",
    "save",
]
