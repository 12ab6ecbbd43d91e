"""The main job: discover the installed OpenEnv environments and describe one, through
openenv_swift exactly as a training script would use openenv's AutoEnv / AutoAction."""

from __future__ import annotations

import json
import sys

from openenv_swift import AutoAction, AutoEnv


def main(name: str = "parrot") -> None:
    AutoEnv.list_environments()
    print(f"\nAutoEnv.get_env_info({name!r}):")
    print(json.dumps(AutoEnv.get_env_info(name), indent=2))
    client_class = AutoEnv.get_env_class(name)
    action_class = AutoAction.from_env(name)
    print(f"\nclient class: {client_class.__module__}.{client_class.__name__}")
    print(f"action class: {action_class.__module__}.{action_class.__name__}")


if __name__ == "__main__":
    main(*sys.argv[1:])
