"""``StepResult``, the generic client's result: a module of its own, imported on first use,
because ``dataclasses`` (and the ``inspect`` it imports) would double the package's import time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Optional, TypeVar

ObsT = TypeVar("ObsT")


@dataclass
class StepResult(Generic[ObsT]):
    """The result of ``reset`` or ``step``, as the reference's ``StepResult``."""

    observation: ObsT
    reward: Optional[float] = None
    done: bool = False
