"""The loops of the compiled one-sample step (:mod:`.step_kernel`), in numba.

Importing this module imports numba and compiles the step (or loads it
from numba's cache) for float32 and float64 at once, so no training step
waits for a compilation: :func:`.step_kernel.kernel` imports it on first
use, and only when numba is installed and the kernels are on.

Every array is 1-D: the model's flat parameter and gradient buffers, a
work buffer holding the sample and each layer's ``z``, ``a`` and ``dL/dz``,
and ``layout``, one row of offsets per layer (see
:class:`.step_kernel.CompiledStep`). The helpers are compiled without
fast-math and with NumPy's error model (an overflow gives inf, a division
by zero inf or NaN, as in NumPy), so nothing is contracted into an FMA or
reordered: the element-wise operations round as NumPy's do. Constants come
in as arguments of the parameters' dtype (``zero``, ``one``) because a
literal ``1.0`` would make numba compute in float64.

Example
-------
>>> from nnzero.model.step_kernel_loops import ACTIVATION_CODES
>>> sorted(ACTIVATION_CODES)
['linear', 'relu', 'sigmoid', 'softmax', 'tanh']
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError:  # the module stays importable (its docstrings are read);
    numba = None  # compile_kernel() then returns None

LINEAR, SIGMOID, TANH, RELU, SOFTMAX = range(5)
#: The activation of each layer as the kernel's layout names it.
ACTIVATION_CODES = {"linear": LINEAR, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU,
                    "softmax": SOFTMAX}
# numpy's pairwise summation sums blocks of up to this many terms with 8 partial sums.
_PAIRWISE_BLOCK = 128

_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}
# x, y, has_weight, weight, learning rate, params, grads, work, layout.
_SIGNATURE = ("float64(F[:, :], int64, boolean, float64, float64, F[::1], F[::1], F[::1], "
              "int64[:, ::1])")
# The start of the work buffer: 0 and 1 of its dtype (written once by the
# caller), the learning rate (rounded to the dtype, as NumPy rounds the
# Python float), then the sample. Fewer arguments: each costs time to pass.
ZERO_AT, ONE_AT, LR_AT, X_AT = 0, 1, 2, 3


def _njit(*signatures):
    """numba.njit with the options above (eager for ``signatures``); the
    plain function when numba is not installed."""
    if numba is None:
        return lambda function: function
    return numba.njit(*signatures, **_OPTIONS)


@_njit()
def _affine(x, kernel, bias, z, zero):
    """z = x W + b, W of shape (x.size, z.size) row-major. The inner loop
    runs along a row of W, so it vectorises; each z[j] is still one sum in
    the order of i."""
    n_in, n_out = x.size, z.size
    for j in range(n_out):
        z[j] = zero
    for i in range(n_in):
        xi = x[i]
        base = i * n_out
        for j in range(n_out):
            z[j] += xi * kernel[base + j]
    for j in range(bias.size):
        z[j] += bias[j]


@_njit()
def _activate(code, z, a, zero, one):
    for j in range(z.size):
        zj = z[j]
        if code == SIGMOID:
            # Sigmoid.forward: e = exp(-|z|); (1 if z >= 0 else e) / (1 + e).
            e = math.exp(-abs(zj))
            a[j] = (one if zj >= zero else e) / (e + one)
        elif code == TANH:
            a[j] = math.tanh(zj)
        elif code == RELU:  # np.maximum(z, 0): z itself when NaN
            a[j] = zj if (zj >= zero or zj != zj) else zero


@_njit()
def _pairwise_sum(a, zero):
    """numpy's pairwise sum of ``a`` (exact up to 128 terms; longer rows are
    summed block after block, which numpy would split in halves)."""
    n = a.size
    if n < 8:
        total = zero
        for i in range(n):
            total += a[i]
        return total
    total = zero
    for lo in range(0, n, _PAIRWISE_BLOCK):
        m = min(n - lo, _PAIRWISE_BLOCK)
        if m < 8:
            for i in range(lo, lo + m):
                total += a[i]
            continue
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = lo + 8
        stop = lo + m - m % 8
        while i < stop:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        block = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < lo + m:
            block += a[i]
            i += 1
        total = block if lo == 0 else total + block
    return total


@_njit()
def _softmax_and_logsumexp(z, p, zero):
    """softmax_and_logsumexp on one row: p = exp(z - m) / s, m + log(s)."""
    m = z[0]
    for j in range(1, z.size):
        if z[j] > m or z[j] != z[j]:  # np.max: a NaN wins
            m = z[j]
    for j in range(z.size):
        p[j] = math.exp(z[j] - m)
    s = _pairwise_sum(p, zero)
    for j in range(z.size):
        p[j] = p[j] / s
    return m + math.log(s)


@_njit()
def _input_gradient(dz, kernel, dx, zero):
    """dx = dz W^T: each dx[i] a sum along row i of W in index order; eight
    rows at a time, so that eight independent sums keep the adders busy.
    (Rows as slices indexed by the loop counter: numba then drops its check
    for negative indices, which otherwise costs as much as the sums.)"""
    n_in, n = dx.size, dz.size
    i = 0
    while i + 8 <= n_in:
        b = i * n
        r0, r1, r2, r3 = kernel[b:b + n], kernel[b + n:b + 2 * n], \
            kernel[b + 2 * n:b + 3 * n], kernel[b + 3 * n:b + 4 * n]
        r4, r5, r6, r7 = kernel[b + 4 * n:b + 5 * n], kernel[b + 5 * n:b + 6 * n], \
            kernel[b + 6 * n:b + 7 * n], kernel[b + 7 * n:b + 8 * n]
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
        for j in range(n):
            d = dz[j]
            s0 += d * r0[j]
            s1 += d * r1[j]
            s2 += d * r2[j]
            s3 += d * r3[j]
            s4 += d * r4[j]
            s5 += d * r5[j]
            s6 += d * r6[j]
            s7 += d * r7[j]
        dx[i], dx[i + 1], dx[i + 2], dx[i + 3] = s0, s1, s2, s3
        dx[i + 4], dx[i + 5], dx[i + 6], dx[i + 7] = s4, s5, s6, s7
        i += 8
    while i < n_in:
        r0 = kernel[i * n:(i + 1) * n]
        s0 = zero
        for j in range(n):
            s0 += dz[j] * r0[j]
        dx[i] = s0
        i += 1


@_njit()
def _activation_gradient(code, g, z, a, zero, one):
    """g *= f'(z), in place, as each activation's backward computes it."""
    for j in range(g.size):
        if code == SIGMOID:  # grad * (a * (1 - a))
            d = one - a[j]
            d = a[j] * d
            g[j] = g[j] * d
        elif code == TANH:  # grad * (1 - a * a)
            g[j] = g[j] * (one - a[j] * a[j])
        elif code == RELU:  # grad * (z > 0)
            g[j] = g[j] * (one if z[j] > zero else zero)


@_njit()
def _all_finite(a, zero):
    for j in range(a.size):
        if not (a[j] - a[j] == zero):  # inf - inf and NaN - NaN are NaN
            return False
    return True


@_njit()
def _gradient_and_update(x, dz, kernel, kernel_grad, bias, bias_grad, lr, zero):
    """dW = x^T dz and db = dz, each onto +0 as np.dot and np.add.reduce
    sum them, written into the gradients; then W -= dW * lr, b -= db * lr.

    Where x[i] is 0 (most of an MNIST image) and dz is finite, row i of dW
    is +0 (0 * dz[j] + 0) and W - (+0) * lr is W itself, bit for bit: the
    row's zeros are written and W's row is not read. That halves the memory
    traffic of the largest layer's update, the costliest part of the step.
    """
    n_in, n_out = x.size, dz.size
    finite = _all_finite(dz, zero)
    for i in range(n_in):
        xi = x[i]
        base = i * n_out
        if finite and xi == zero:
            for j in range(n_out):
                kernel_grad[base + j] = zero
            continue
        for j in range(n_out):
            g = xi * dz[j] + zero
            kernel_grad[base + j] = g
            kernel[base + j] = kernel[base + j] - g * lr
    for j in range(bias.size):
        g = dz[j] + zero
        bias_grad[j] = g
        bias[j] = bias[j] - g * lr


@_njit([_SIGNATURE.replace("F", t) for t in ("float32", "float64")])
def step(x, y, has_weight, weight, learning_rate, params, grads, work, layout):
    """One SGD step on the sample ``x[0]`` of class ``y``; returns the loss.
    Layout row: n_in, n_out, kernel, bias (-1: none), code, z, a, dz offsets."""
    work[LR_AT] = learning_rate  # rounded to the dtype here
    zero, one, lr = work[ZERO_AT], work[ONE_AT], work[LR_AT]
    n_layers = layout.shape[0]
    n0 = layout[0, 0]
    for i in range(n0):  # the sample copied into work: every input is a slice of it
        work[X_AT + i] = x[0, i]
    at = X_AT
    lse = zero
    for layer in range(n_layers):
        n_in, n_out, k_at, b_at = layout[layer, 0], layout[layer, 1], layout[layer, 2], \
            layout[layer, 3]
        code, z_at, a_at = layout[layer, 4], layout[layer, 5], layout[layer, 6]
        b_lo, b_n = (b_at, n_out) if b_at >= 0 else (0, 0)
        z = work[z_at:z_at + n_out]
        _affine(work[at:at + n_in], params[k_at:k_at + n_in * n_out],
                params[b_lo:b_lo + b_n], z, zero)
        if code == SOFTMAX:
            lse = _softmax_and_logsumexp(z, work[a_at:a_at + n_out], zero)
        elif code != LINEAR:
            _activate(code, z, work[a_at:a_at + n_out], zero, one)
        at = a_at
    last = n_layers - 1
    k, z_at, p_at, d_at = layout[last, 1], layout[last, 5], layout[last, 6], layout[last, 7]
    if y < 0:  # a negative index counts from the end, as in NumPy
        y += k
    if y < 0 or y >= k:
        raise IndexError("class index out of range")
    per_sample = lse - work[z_at + y]
    loss = np.float64(per_sample) * weight if has_weight else np.float64(per_sample)
    loss = loss + 0.0  # as the NumPy step adds the (empty) penalties: -0.0 becomes 0.0
    if not math.isfinite(loss):
        return loss  # nothing updated, as in the NumPy step
    for j in range(k):  # p - onehot(y), times the weight (in float64, as NumPy promotes)
        g = work[p_at + j] - one if j == y else work[p_at + j]
        if has_weight:
            work[d_at + j] = np.float64(g) * weight
        else:
            work[d_at + j] = g
    for layer in range(last, -1, -1):
        n_in, n_out, k_at, b_at = layout[layer, 0], layout[layer, 1], layout[layer, 2], \
            layout[layer, 3]
        d_at = layout[layer, 7]
        b_lo, b_n = (b_at, n_out) if b_at >= 0 else (0, 0)
        dz = work[d_at:d_at + n_out]
        kernel = params[k_at:k_at + n_in * n_out]
        at = X_AT
        if layer > 0:  # dx before this layer's kernel is updated
            code, z_at, a_at, below = (layout[layer - 1, 4], layout[layer - 1, 5],
                                       layout[layer - 1, 6], layout[layer - 1, 7])
            dx = work[below:below + n_in]
            _input_gradient(dz, kernel, dx, zero)
            _activation_gradient(code, dx, work[z_at:z_at + n_in], work[a_at:a_at + n_in],
                                 zero, one)
            at = a_at
        _gradient_and_update(work[at:at + n_in], dz, kernel, grads[k_at:k_at + n_in * n_out],
                             params[b_lo:b_lo + b_n], grads[b_lo:b_lo + b_n], lr, zero)
    return loss


def compile_kernel():
    """The compiled step (already compiled for both dtypes on import), or
    None when numba is not installed.

    Returns
    -------
    numba dispatcher or None

    Example
    -------
    >>> kernel = compile_kernel()
    >>> kernel is None or callable(kernel)
    True
    """
    # numba may have loaded SciPy's BLAS: the one-thread sections of
    # nnzero.threads must cover it too.
    if numba is None:
        return None
    from ..threads import blas_libraries_changed

    blas_libraries_changed()
    return step
