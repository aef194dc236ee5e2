"""Case networks trained with JAX and optax on the CPU, in the two forms JAX's
users write.

``JaxRunner`` ("jax"): a training step compiled with ``jax.jit`` and driven
from Python, one call per batch, as optax's getting-started guide writes it
(``value_and_grad`` of the loss, ``optimizer.update``,
``optax.apply_updates``). The batches are contiguous slices of one shuffled
NumPy copy of the data per epoch, as in JAX's tutorial that trains a network
on data loaded with NumPy; each call copies its batch to the device.

``JaxScanRunner`` ("jax-scan"): the whole epoch compiled as one function: the
data live on the device, the epoch's shuffle is a permutation index drawn with
``jax.random.permutation`` and reshaped to one row of indices per batch, and
``jax.lax.scan`` runs the same step over the rows, gathering each batch from
the index. A last, shorter batch (60,000 is not a multiple of 128) is one more
step inside the same compiled function, so both forms do the same updates as
the other frameworks.

Both use float32 (JAX's default), Glorot-uniform kernels and zero biases
(``jax.nn.initializers``), ``optax.softmax_cross_entropy_with_integer_labels``
on the logits, and ``optax.adam`` or ``optax.sgd``. Timings wait for the
result (``jax.block_until_ready``): JAX dispatches work asynchronously.
Inference is one jitted function per batch shape; it is the same in both
forms, so only "jax" is timed at it.
"""

from __future__ import annotations

import numpy as np


class JaxRunner:
    name = "jax"

    def __init__(self, case, x, y, seed: int = 0):
        import jax
        import jax.numpy as jnp
        import optax

        self.jax = jax
        n_out = int(y.max()) + 1
        sizes = case.layer_sizes(x.shape[1], n_out)
        init = jax.nn.initializers.glorot_uniform()
        keys = jax.random.split(jax.random.key(seed), len(sizes))
        self.key = keys[-1]
        self.params = [
            (init(k, (a, b), jnp.float32), jnp.zeros((b,), jnp.float32))
            for k, a, b in zip(keys[:-1], sizes[:-1], sizes[1:], strict=True)
        ]
        activation = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid}[case.activation]

        def logits(params, xb):
            for w, b in params[:-1]:
                xb = activation(xb @ w + b)
            w, b = params[-1]
            return xb @ w + b

        def loss(params, xb, yb):
            return optax.softmax_cross_entropy_with_integer_labels(logits(params, xb), yb).mean()

        if case.optimizer == "adam":
            optimizer = optax.adam(case.learning_rate)
        else:
            optimizer = optax.sgd(case.learning_rate)
        self.opt_state = optimizer.init(self.params)

        def step(params, opt_state, xb, yb):
            value, grads = jax.value_and_grad(loss)(params, xb, yb)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, value

        self._step = step
        self.step = jax.jit(step)
        self.probabilities = jax.jit(lambda params, xb: jax.nn.softmax(logits(params, xb)))
        self.n_out = n_out
        # JAX's integers are 32-bit unless x64 is enabled: converted once here.
        self.x, self.y = x, y.astype(np.int32)
        self.batch_size = case.batch_size or len(x)
        self.rng = np.random.default_rng(seed)

    def epoch(self):
        n, b = len(self.x), self.batch_size
        order = self.rng.permutation(n)
        x, y = self.x[order], self.y[order]
        params, opt_state, step = self.params, self.opt_state, self.step
        for start in range(0, n, b):
            params, opt_state, _ = step(params, opt_state, x[start : start + b],
                                        y[start : start + b])
        self.params, self.opt_state = self.jax.block_until_ready((params, opt_state))

    def predict(self, x, batch_size):
        out = np.empty((len(x), self.n_out), np.float32)
        for start in range(0, len(x), batch_size):
            stop = start + batch_size
            # Assigning into a NumPy array waits for the result and copies it.
            out[start:stop] = self.probabilities(self.params, x[start:stop])
        return out

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x, 4096), axis=1) == y))


class JaxScanRunner(JaxRunner):
    name = "jax-scan"

    def __init__(self, case, x, y, seed: int = 0):
        super().__init__(case, x, y, seed)
        jax = self.jax
        n, b, step = len(x), self.batch_size, self._step
        full = n // b * b

        def train_epoch(params, opt_state, xs, ys, key):
            order = jax.random.permutation(key, n)

            def body(carry, rows):
                params, opt_state, _ = step(*carry, xs[rows], ys[rows])
                return (params, opt_state), None

            carry, _ = jax.lax.scan(body, (params, opt_state), order[:full].reshape(-1, b))
            if full < n:  # known when tracing: the last, shorter batch
                rest = order[full:]
                carry = step(*carry, xs[rest], ys[rest])[:2]
            return carry

        self.train_epoch = jax.jit(train_epoch)
        self.xs, self.ys = jax.device_put(self.x), jax.device_put(self.y)

    def epoch(self):
        self.key, key = self.jax.random.split(self.key)
        params, opt_state = self.train_epoch(self.params, self.opt_state, self.xs, self.ys, key)
        self.params, self.opt_state = self.jax.block_until_ready((params, opt_state))
