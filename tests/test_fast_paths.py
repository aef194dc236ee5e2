"""Every fast path of the engine gives what the general path gives.

The engine takes shortcuts for speed (an outer product for a batch of one,
one fused optimizer update over a flat parameter buffer, in-place
activations and reused buffers, chunked shuffling of memory-mapped data).
Each test here runs the shortcut and the general code on the same input and
requires the same bits (or 1e-12 in float64 where the order of operations
legitimately differs). No test here measures time.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.layers import Dense
from nnzero.model import step_kernel
from small_models import dense_layer, extreme_values

DTYPES = [np.float32, np.float64]


# -- batch of one -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_of_one_weight_gradient_is_the_gemm_result(dtype):
    rng = np.random.default_rng(0)
    layer = dense_layer(7, 5, dtype)
    x = rng.normal(size=(1, 5)).astype(dtype)
    layer.forward(x, training=True)
    grad = rng.normal(size=(1, 7)).astype(dtype)
    layer.backward(grad)
    dz = layer.activation.backward(grad, layer.last_preactivation, layer.last_output)
    # The general path: a GEMM with an inner dimension of one.
    expected = np.matmul(x.T.copy(), dz)
    np.testing.assert_array_equal(layer.grads[0], expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_of_one_training_equals_single_row_batches_of_the_general_path(monkeypatch, dtype):
    """Per-sample SGD through fit equals the same steps taken by hand with
    the GEMM form of every product. (The NumPy branch: the compiled step
    agrees to rounding only, tests/test_step_kernel.py.)"""
    monkeypatch.setattr(step_kernel, "ENABLED", False)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 4)).astype(dtype)
    y = rng.integers(0, 3, size=12)

    def model():
        m = nz.Sequential([Dense(6, activation="sigmoid"), Dense(3, activation="softmax")],
                          seed=3, dtype=dtype)
        m.compile(optimizer=nz.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        m.build((4,))
        return m

    fast = model()
    fast.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0)

    ref = model()
    w1, b1, w2, b2 = (p.copy() for p in ref.params)
    sig = ref.layers[0].activation.forward
    soft = ref.layers[1].activation.forward
    for i in range(len(x)):
        xb = x[i : i + 1]
        h = sig(xb @ w1 + b1)
        p = soft(h @ w2 + b2)
        dz2 = p.copy()
        dz2[0, y[i]] -= 1.0
        dz2 /= 1
        dh = dz2 @ w2.T
        dz1 = dh * (h * (1.0 - h))
        gw2, gb2 = np.matmul(h.T.copy(), dz2), dz2.sum(axis=0)
        gw1, gb1 = np.matmul(xb.T.copy(), dz1), dz1.sum(axis=0)
        for param, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            param -= 0.1 * g
    for got, want in zip(fast.params, (w1, b1, w2, b2), strict=True):
        np.testing.assert_array_equal(got, want)


# -- flat parameter buffer and fused optimizer updates -------------------------------------

OPTIMIZERS = {
    "sgd": lambda: nz.optimizers.SGD(0.1),
    "sgd_momentum": lambda: nz.optimizers.SGD(0.1, momentum=0.9, dampening=0.1),
    "sgd_nesterov_wd": lambda: nz.optimizers.SGD(0.1, momentum=0.9, nesterov=True,
                                                 weight_decay=0.01),
    "adagrad": lambda: nz.optimizers.AdaGrad(0.1, lr_decay=0.01, weight_decay=0.01),
    "rmsprop": lambda: nz.optimizers.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: nz.optimizers.RMSprop(0.01, centered=True,
                                                               momentum=0.5),
    "adam": lambda: nz.optimizers.Adam(0.01),
    "adam_amsgrad_wd": lambda: nz.optimizers.Adam(0.01, amsgrad=True, weight_decay=0.01),
    "adamw": lambda: nz.optimizers.AdamW(0.01),
}
SHAPES = [(5, 4), (4,), (4, 3), (3,)]


def _arrays(rng, dtype):
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fused_update_over_a_flat_buffer_equals_the_per_parameter_update(name, dtype):
    from nnzero._flat import flat_base, pack

    rng = np.random.default_rng(0)
    separate = _arrays(rng, dtype)
    flat_params = [p.copy() for p in separate]
    pack(flat_params)
    sep_grads = [np.zeros_like(p) for p in separate]
    flat_grads = [np.zeros_like(p) for p in separate]
    pack(flat_grads)
    assert flat_base(flat_params) is not None and flat_base(separate) is None
    fused, general = OPTIMIZERS[name](), OPTIMIZERS[name]()
    for step in range(6):
        for a, b in zip(sep_grads, flat_grads, strict=True):
            a[...] = rng.normal(size=a.shape)
            b[...] = a
        general.apply(separate, sep_grads)
        fused.apply(flat_params, flat_grads)
        assert fused._flat.flat is not None and general._flat.flat is None
        if step == 2:  # restoring saved state repacks it into flat buffers
            fused.set_state(general.get_state())
    for a, b in zip(separate, flat_params, strict=True):
        np.testing.assert_array_equal(a, b)
    for slot in general.slots:
        for a, b in zip(general.slots[slot], fused.slots[slot], strict=True):
            np.testing.assert_array_equal(a, b)


def test_model_parameters_and_gradients_are_views_into_one_buffer():
    from nnzero._flat import flat_base

    model = nz.Sequential([Dense(8, activation="relu"), nz.layers.Dropout(0.1),
                           Dense(3, activation="softmax")], seed=0)
    model.build((5,))
    assert flat_base(model.params) is not None
    assert flat_base(model.grads) is not None
    assert model.layers[0].kernel.base is flat_base(model.params)


def test_layers_that_keep_their_own_references_are_not_repacked():
    class Scale(nz.layers.Layer):
        def build(self, input_shape, rng, dtype):
            self.w = np.ones(input_shape, dtype=dtype)
            self.params, self.grads = [self.w], [np.zeros_like(self.w)]
            super().build(input_shape, rng, dtype)

        def forward(self, x, training=False):
            self._x = x
            return x * self.w

        def backward(self, grad):
            self.grads[0][...] = (grad * self._x).sum(axis=0)
            return grad * self.w

    model = nz.Sequential([Scale(), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    scale = model.layers[0]
    assert scale.params[0] is scale.w
    assert not np.array_equal(scale.w, np.ones(3))  # it trained through its own array


def test_an_optimizer_overriding_update_step_is_called_per_parameter():
    calls = []

    class Logged(nz.optimizers.SGD):
        def update_step(self, i, param, grad, lr):
            calls.append(i)
            super().update_step(i, param, grad, lr)

    model = nz.Sequential([Dense(4, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Logged(0.1), loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).normal(size=(4, 3)), np.arange(4) % 2
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert calls == [0, 1, 2, 3]


# -- one BLAS thread for small products -----------------------------------------------------


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_small_products_train_on_one_blas_thread_and_the_pool_is_restored():
    seen = []

    class Spy(nz.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(max(_blas_threads().values()))

    before = _blas_threads()
    model = nz.Sequential([Dense(4, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[Spy()])
    assert seen == [1, 1]
    assert _blas_threads() == before


def test_the_thread_choice_does_not_change_the_result(monkeypatch):
    """Products split over threads agree with one thread's to rounding.

    Bit for bit only where the BLAS itself is: with OpenBLAS's SkylakeX
    kernels a product on one thread and the same product on two differ in
    the last bits (measured on 64x200 by 200x300). nnzero promises the
    same bits for the same thread count (test_model.py,
    test_same_seed_same_data_gives_bit_identical_weights), not across counts.
    """
    import nnzero.threads

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(256, 200)), rng.integers(0, 3, size=256)

    def train():
        model = nz.Sequential([Dense(300, activation="relu"), Dense(3, activation="softmax")],
                              seed=0, dtype="float64")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=64, verbose=0)
        return model.get_weights()

    monkeypatch.setattr(nnzero.threads, "SMALL_PRODUCT", 0)  # the BLAS decides
    pooled = train()
    monkeypatch.setattr(nnzero.threads, "SMALL_PRODUCT", 1 << 40)  # always one thread
    single = train()
    for a, b in zip(pooled, single, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


# -- batches: gathered per batch in memory, a window of blocks at a time from a memmap ----


@pytest.mark.parametrize("batch_size", [1, 3, 7])
def test_gathered_batches_equal_slices_of_one_shuffled_copy(batch_size):
    from nnzero.model.batching import EpochBatches

    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(20, 3)), rng.integers(0, 4, size=20), rng.random(20)
    batches = EpochBatches(np.random.default_rng(5), x, y, w, batch_size, shuffle=True)
    order = np.random.default_rng(5).permutation(20)  # what one shuffled copy would use
    xs, ys, ws = x[order], y[order], w[order]
    for start in range(0, 20, batch_size):
        stop = min(start + batch_size, 20)
        xb, yb, wb = batches.get(start, stop)
        np.testing.assert_array_equal(xb, xs[start:stop])
        np.testing.assert_array_equal(yb, ys[start:stop])
        np.testing.assert_array_equal(wb, ws[start:stop])


def _memmap(tmp_path, x, mode="r"):
    path = tmp_path / "x.bin"
    x.tofile(path)
    return np.memmap(path, dtype=x.dtype, mode=mode, shape=x.shape)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 512 bytes, so a small file spans many blocks and windows."""
    import nnzero._chunks

    monkeypatch.setattr(nnzero._chunks, "BLOCK_BYTES", 512)


def _trained(x, y, **fit):
    model = nz.Sequential([Dense(5, activation="relu"), Dense(3, activation="softmax")],
                          seed=0, dtype="float64")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, **fit)
    return model.get_weights()


def test_memmap_training_without_shuffling_equals_in_memory_training(tmp_path, small_blocks):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(90, 6)), rng.integers(0, 3, size=90)
    mapped = _trained(_memmap(tmp_path, x), y, shuffle=False)
    for a, b in zip(mapped, _trained(x, y, shuffle=False), strict=True):
        np.testing.assert_array_equal(a, b)


def test_memmap_epoch_visits_every_row_once_in_windows_of_blocks(tmp_path, small_blocks):
    from nnzero._chunks import rows_per_block
    from nnzero.model.batching import WINDOW_BLOCKS, EpochBatches

    n, batch = 203, 4
    x = np.repeat(np.arange(n, dtype=np.float64)[:, None], 8, axis=1)  # row i holds i
    mapped = _memmap(tmp_path, x)
    block = rows_per_block(mapped, multiple=batch)
    rng = np.random.default_rng(1)
    batches = EpochBatches(rng, mapped, np.arange(n), None, batch, shuffle=True)
    state = rng.bit_generator.state  # every draw is made before the first batch
    seen = []
    for start in range(0, n, batch):
        xb, yb, _ = batches.get(start, min(start + batch, n))
        np.testing.assert_array_equal(xb[:, 0], yb)  # each x row travels with its y
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(n))
    window = block * WINDOW_BLOCKS
    for start in range(0, n, window):  # a window mixes rows of at most WINDOW_BLOCKS blocks
        assert len({row // block for row in seen[start : start + window]}) <= WINDOW_BLOCKS
    assert seen != list(range(n))
    assert rng.bit_generator.state == state


def test_fit_on_a_memmap_trains(tmp_path, small_blocks):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nz.Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(_memmap(tmp_path, x), y, epochs=20, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_all_finite_block_by_block(tmp_path, small_blocks):
    from nnzero._chunks import all_finite

    x = np.ones((100, 5))
    assert all_finite(x) and all_finite(_memmap(tmp_path, x))
    x[97, 2] = np.nan
    assert not all_finite(x) and not all_finite(_memmap(tmp_path, x))
    with pytest.raises(nz.InvalidArgumentError, match="NaN or infinite"):
        model = nz.Sequential([Dense(2)])
        model.compile(loss="mse")
        model.fit(_memmap(tmp_path, x), np.zeros((100, 2)), verbose=0)


def _resident_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


@pytest.mark.skipif(not hasattr(__import__("mmap"), "MADV_DONTNEED"), reason="needs madvise")
def test_released_blocks_of_a_memmap_leave_resident_memory(tmp_path):
    from nnzero._chunks import release, row_blocks

    mapped = _memmap(tmp_path, np.ones((8192, 1024), dtype=np.float32))  # 32 MiB
    before = _resident_kb()
    for block in row_blocks(mapped):
        assert block.sum() > 0
        release(block)
    assert _resident_kb() - before < 8 * 1024  # far less than the 32 MiB read
    copy_on_write = _memmap(tmp_path, np.ones((4, 1024), dtype=np.float32), mode="c")
    copy_on_write[0, 0] = 5.0
    release(copy_on_write)  # private changes are never dropped
    assert copy_on_write[0, 0] == 5.0


def test_one_batch_of_every_sample_skips_the_shuffled_copy():
    """With batch_size >= n the permutation is drawn but not applied: the
    result differs from gathering the shuffled batch only in the order of
    the sums, and the generator's stream is the same."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 5)), rng.integers(0, 3, size=60)

    def model():
        m = nz.Sequential([Dense(7, activation="tanh"), Dense(3, activation="softmax")],
                          seed=2, dtype="float64")
        m.compile(optimizer=nz.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        return m

    fast = model()
    fast.fit(x, y, epochs=4, batch_size=None, shuffle=True, verbose=0)
    ref = model()
    ref.build((5,))
    order_rng = np.random.default_rng()
    order_rng.bit_generator.state = ref.rng.bit_generator.state
    for _ in range(4):
        perm = order_rng.permutation(60)
        ref.fit(x[perm], y[perm], epochs=1, batch_size=None, shuffle=False, verbose=0)
    for a, b in zip(fast.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert fast.rng.bit_generator.state == order_rng.bit_generator.state


def test_the_batch_buffer_is_reused_across_epochs_and_fit_calls():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 2, size=30)
    model = nz.Sequential([Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    buffer = model.batch_buffer
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert model.batch_buffer is buffer


# -- activations written for speed -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_without_where_is_the_two_branch_formula_bit_for_bit(dtype):
    z = extreme_values(dtype)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(z))
        expected = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(dtype)
        got = nz.activations.get("sigmoid").forward(z)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_as_a_masked_product_equals_where(dtype):
    z = extreme_values(dtype)[np.isfinite(extreme_values(dtype))].reshape(-1, 1)
    grad = np.random.default_rng(1).normal(size=z.shape).astype(dtype)
    got = nz.activations.get("relu").backward(grad, z, np.maximum(z, 0))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.where(z > 0, grad, 0))  # -0.0 == 0.0


def test_a_deep_copy_of_a_trained_model_trains_like_the_original():
    """A deep copy turns the flat buffer's views into separate arrays; the
    copy's optimizer must notice and update those arrays."""
    import copy

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    model = nz.Sequential([Dense(5, activation="relu"), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    twin = copy.deepcopy(model)
    before = twin.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    twin.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before[0], twin.get_weights()[0])
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)

