"""Hostile run configs: random bytes, damaged and generated TOML files.

``load_toml`` and ``resolve_config`` (what ``nnzero train --config`` runs)
must give a checked config or a ConfigError -- never a decode, recursion,
type or key error -- and a resolved config written back with ``to_toml``
must read back to itself.
"""

import datetime
import json
import math

import pytest
from hypothesis import strategies as st

from fuzzing import DEPTHS, mutated, run
from nnzero.runs.config import DEFAULTS, ConfigError, load_toml, resolve_config, to_toml


def _toml_key(key):
    return json.dumps(key, ensure_ascii=False)


def toml_value(value) -> str:
    """TOML text for a Python value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Python's repr of a finite float is valid TOML; TOML spells the rest
        # nan, inf and -inf.
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_values():
    scalars = st.one_of(
        st.booleans(),
        st.integers(),
        st.sampled_from([0, 1, -1, 2, 10**30, 2**63 - 1]),
        st.floats(),
        st.sampled_from([0.0, 0.5, 1.0, 1e-300, 1e300]),
        st.text(max_size=12),
        st.sampled_from(["mnist", "moons", "relu", "adam", "sgd", "16,8", "", "float64",
                         "sparse_categorical_crossentropy", "MNIST", "../x", "a\x00b"]),
        st.dates(),
        st.times(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(st.text(max_size=6), inner, max_size=3)),
        max_leaves=8,
    )


def documents():
    """TOML documents of known keys (spelt with _ or -) and a few unknown ones."""
    keys = st.one_of(st.sampled_from(sorted(DEFAULTS)),
                     st.sampled_from(sorted(DEFAULTS)).map(lambda k: k.replace("_", "-")),
                     st.text(min_size=1, max_size=10))
    return st.dictionaries(keys, toml_values(), max_size=6).map(
        lambda table: "".join(f"{_toml_key(k)} = {toml_value(v)}\n" for k, v in table.items())
    )


def read_or_refuse(path, data: bytes):
    """A checked config, or a ConfigError; a checked config survives the
    round trip through to_toml."""
    path.write_bytes(data)
    try:
        config = resolve_config(load_toml(path), source=str(path))
    except ConfigError:
        return
    assert isinstance(config["layers"], list)
    assert all(isinstance(u, int) and u >= 1 for u in config["layers"])
    assert isinstance(config["epochs"], int) and config["epochs"] >= 1
    path.write_text(to_toml(config), encoding="utf-8")
    assert resolve_config(load_toml(path)) == config


@pytest.mark.parametrize("examples", DEPTHS)
def test_generated_documents(tmp_path, examples):
    run(examples, documents().map(lambda text: text.encode("utf-8")),
        lambda data: read_or_refuse(tmp_path / "run.toml", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_random_and_damaged_files(tmp_path, examples):
    valid = documents().map(lambda text: text.encode("utf-8"))
    files = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                      valid.flatmap(mutated))
    run(examples, files, lambda data: read_or_refuse(tmp_path / "run.toml", data))


@pytest.mark.parametrize(
    "text",
    [
        "layers = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * 5000 + "1" + "}" * 5000,
        "[" + "a." * 5000 + "b]\n",
        "epochs = 1" + "0" * 5000,
    ],
    ids=["nested-arrays", "nested-tables", "long-dotted-key", "5000-digit-integer"],
)
def test_deep_or_huge_documents(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        resolve_config(load_toml(path))


def test_a_directory_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_toml(tmp_path)
