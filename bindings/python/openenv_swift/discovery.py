"""Environment look-ups shared by AutoEnv and AutoAction: thin calls into the engine."""

from __future__ import annotations

import importlib
import json
from typing import Any, Dict, Optional

from ._native import call_json, call_text, discovery_options, launch_options


def environment(name: str) -> Dict[str, Any]:
    """The reference's ``get_env_info`` dictionary of environment ``name`` (any spelling)."""
    if not isinstance(name, str):
        raise TypeError(f"environment name must be a str, not {type(name).__name__}")
    return call_json("openenv_env_info", name, discovery_options())


def resolve(name: str, trust_remote_code: bool) -> Dict[str, Any]:
    """Every field the engine knows of the installed environment behind ``name``: any
    spelling, or a Hub name, whose client code is installed into this interpreter first if
    needed (with consent)."""
    if not isinstance(name, str):
        raise TypeError(f"environment name must be a str, not {type(name).__name__}")
    info = call_json("openenv_resolve", name, json.dumps(launch_options(trust_remote_code=trust_remote_code)))
    importlib.invalidate_caches()
    return info


def optional_class(info: Dict[str, Any], module_key: str, class_key: str) -> Optional[type]:
    """Like :func:`import_class`, or None when the class cannot be imported."""
    if not info.get(module_key) or not info.get(class_key):
        return None
    try:
        return import_class(info, module_key, class_key)
    except ImportError:
        return None


def action_info(name: str) -> Dict[str, Any]:
    """The reference's ``AutoAction.get_action_info`` dictionary."""
    if not isinstance(name, str):
        raise TypeError(f"environment name must be a str, not {type(name).__name__}")
    return call_json("openenv_action_info", name, discovery_options())


def listing(kind: str) -> str:
    """The engine's listing text, ``"environments"`` or ``"actions"``."""
    return call_text("openenv_list_text", kind, discovery_options())


def import_class(info: Dict[str, Any], module_key: str, class_key: str) -> type:
    """Imports the class ``info[class_key]`` from module ``info[module_key]``."""
    module_name, class_name = info[module_key], info[class_key]
    what = "environment client" if class_key == "env_class" else "action class"
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ImportError(
            f"Failed to import {what} for '{info.get('env_key', module_name)}': {class_name} from {module_name}: {error}\n"
            f"Make sure the package '{info['package']}' is installed: pip install {info['package']}"
        ) from error
    try:
        return getattr(module, class_name)
    except AttributeError as error:
        raise ImportError(
            f"Class {class_name} not found in {module_name}. "
            f"Try reinstalling: pip install --force-reinstall {info['package']}"
        ) from error
