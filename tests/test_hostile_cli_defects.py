"""Defects found using the library and the command line as a hostile user
would, each with the test that keeps it fixed."""

import pytest

import nnzero as nz


@pytest.mark.parametrize("optimizer", [nz.optimizers.SGD, nz.optimizers.RMSprop])
@pytest.mark.parametrize("momentum", [1.0, 1.5, -0.1, float("nan")])
def test_momentum_outside_zero_to_one_is_refused(optimizer, momentum):
    with pytest.raises(nz.InvalidArgumentError, match=r"`momentum` must be finite and in "
                                                      r"\[0, 1\)"):
        optimizer(momentum=momentum)


@pytest.mark.parametrize("momentum", [0.0, 0.9, 0.999])
def test_momentum_in_zero_to_one_is_accepted(momentum):
    assert nz.optimizers.SGD(momentum=momentum).momentum == momentum
