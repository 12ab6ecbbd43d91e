"""Installs the engine when the program first imports OpenEnv's client module, not before.

``OPENENV_ENGINE=swift`` is read by the wheel's start-up hook in every Python process; importing
``openenv.core`` there would make every process pay for OpenEnv's imports (seconds under
openenv 0.10.0) whether it uses OpenEnv or not. :func:`install_when_imported` instead puts a
finder on ``sys.meta_path`` that waits for ``openenv.core.env_client`` to be imported and runs
the install right after that module has executed, before the program's own code can make a
client.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

if TYPE_CHECKING:  # importlib.abc alone costs more at start-up than the rest of this module
    from importlib.machinery import ModuleSpec

#: The reference's module holding ``EnvClient`` and ``ws_connect``: the engine's seam.
CLIENT_MODULE = "openenv.core.env_client"


class _InstallingLoader:
    """The module's own loader, then ``then()``; every other attribute is the original loader's
    (``get_source``..., so tracebacks and ``inspect`` still work)."""

    def __init__(self, original: Any, then: Callable[[], None]) -> None:
        self._original = original
        self._then = then

    def create_module(self, spec: "ModuleSpec") -> Optional[ModuleType]:
        return self._original.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._original.exec_module(module)
        self._then()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class _AttachOnImport:
    """Finds nothing itself: for :data:`CLIENT_MODULE` it asks the finders after it and wraps
    the loader they give; it takes itself off ``sys.meta_path`` at that first look."""

    def __init__(self, then: Callable[[], None]) -> None:
        self._then = then

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None) -> Optional["ModuleSpec"]:
        if fullname != CLIENT_MODULE:
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _InstallingLoader(spec.loader, self._then)
                return spec
        return None


def install_when_imported(install: Callable[[], None]) -> None:
    """Runs ``install`` now if :data:`CLIENT_MODULE` is already imported, else right after the
    program first imports it (once; a second call while one is waiting adds nothing)."""
    if CLIENT_MODULE in sys.modules:
        install()
    elif not any(isinstance(finder, _AttachOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AttachOnImport(install))
