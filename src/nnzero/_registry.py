"""A small name -> class table shared by activations, losses, initializers,
regularizers, optimizers and layers.

It exists so that every "unknown name" error in the library reads the same and
lists the valid choices, and so that saved models can only ever name classes
that were registered here — never arbitrary code to import.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from .errors import InvalidArgumentError, InvalidTypeError


class Registry:
    """Maps lower-case names to factories for one kind of object.

    Example
    -------
    >>> reg = Registry("color")
    >>> @reg.register("red")
    ... class Red:
    ...     pass
    >>> type(reg.get("red")).__name__
    'Red'
    """

    def __init__(self, kind: str, protocol: tuple[str, ...] = ()):
        self.kind = kind
        # Methods an object must have to be accepted in place of a name.
        self.protocol = protocol
        self._factories: dict[str, Callable[..., Any]] = {}

    def register(self, *names: str):
        """Class decorator adding the class under each of ``names``."""

        def decorator(factory):
            for name in names:
                self._factories[name.lower()] = factory
            if "registered_name" not in vars(factory):
                factory.registered_name = names[0]
            return factory

        return decorator

    def names(self) -> list[str]:
        """Sorted list of the valid names."""
        return sorted(self._factories)

    def factory(self, name: str) -> Callable[..., Any]:
        """The class registered under ``name`` (case-insensitive)."""
        key = name.lower()
        if key not in self._factories:
            close = difflib.get_close_matches(key, self._factories, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InvalidArgumentError(
                f"Unknown {self.kind} {name!r}.{hint} "
                f"Valid {self.kind} names: {', '.join(self.names())}."
            )
        return self._factories[key]

    def get(self, identifier: Any, argument: str | None = None, **kwargs):
        """Resolve a name, a config dict or an object into an instance.

        ``identifier`` may be a registered name (``"relu"``), a config dict
        ``{"name": "relu", ...}`` as written by ``get_config``, or an object
        that already has the methods of ``self.protocol``.
        """
        argument = argument or self.kind
        if isinstance(identifier, str):
            return self.factory(identifier)(**kwargs)
        if isinstance(identifier, dict):
            config = dict(identifier)
            name = config.pop("name", None)
            if not isinstance(name, str):
                raise InvalidArgumentError(
                    f"A {self.kind} config must have a string 'name'. Received: {identifier!r}"
                )
            factory = self.factory(name)
            try:
                return factory(**config)
            except TypeError as err:
                raise InvalidArgumentError(
                    f"Invalid settings for {self.kind} {name!r}: {err}"
                ) from None
        missing = [m for m in self.protocol if not callable(getattr(identifier, m, None))]
        if identifier is None or missing:
            valid = ", ".join(self.names())
            need = " and ".join(_an(f"{m}() method") for m in self.protocol)
            raise InvalidTypeError(
                f"`{argument}` must be {_an(self.kind)} name ({valid}) or an object with "
                f"{need}. Received: {identifier!r} of type {type(identifier).__name__}."
            )
        return identifier


def _an(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def config_of(obj: Any, kind: str) -> dict:
    """The JSON-safe config of ``obj``, or a clear error if it cannot be saved."""
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise InvalidTypeError(
            f"The {kind} {obj!r} has no get_config() method, so it cannot be saved. "
            f"Give it get_config() returning {{'name': <registered name>, ...}} and "
            f"register its class with nnzero.{kind}s.register."
        )
    return get_config()
