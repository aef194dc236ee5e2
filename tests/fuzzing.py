"""Shared pieces of the parser fuzz tests (property-based, with hypothesis).

Every property runs at two depths: ``DEPTHS`` gives each test a 200-example
run in the default suite and a 2,000-example run marked ``fuzz``, which is
selected only by ``pytest -m fuzz`` (CI runs it).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FAST, DEEP = 200, 2000
DEPTHS = [pytest.param(FAST, id="200"), pytest.param(DEEP, id="2000", marks=pytest.mark.fuzz)]


def run(examples: int, strategy, check) -> None:
    """Call ``check`` on ``examples`` values drawn from ``strategy``, and
    make sure that many were tried (hypothesis stops early when a strategy
    runs out of distinct values).

    No example database: every property here is a nested function of the
    same name, and a shared database would replay one parser's inputs into
    another.
    """
    tried = 0

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def prop(value):
        nonlocal tried
        tried += 1
        check(value)

    prop()
    assert tried >= examples, f"only {tried} of {examples} cases were tried"


@st.composite
def mutated(draw, blob: bytes) -> bytes:
    """``blob`` with one to four random edits: flipped bits, overwritten,
    inserted or deleted runs of bytes, or a cut at a random place."""
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        if kind == "flip" and where < len(data):
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[where : where + len(chunk)] = chunk
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 16))]
        else:
            del data[where:]
    return bytes(data)


def json_values(max_leaves: int = 12):
    """Any JSON document, with the awkward numbers parsers trip on."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30, -(10**30)]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )
