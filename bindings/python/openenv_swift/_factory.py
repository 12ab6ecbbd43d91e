"""The shared behaviour of the Auto* factories."""

from __future__ import annotations


class Factory:
    """A class used only through its class methods, as the reference's Auto* classes are."""

    def __init__(self) -> None:
        name = type(self).__name__
        raise TypeError(
            f"{name} is a factory class and should not be instantiated directly. "
            f"Use {name}.from_hub() or {name}.from_env() instead."
        )
