"""The main job: discover the installed OpenEnv environments, describe one, then run an
episode on it through openenv_swift exactly as a training loop uses openenv's AutoEnv /
AutoAction. from_env starts the environment's server on loopback and stops it on close."""

from __future__ import annotations

import json
import sys

from openenv_swift import AutoAction, AutoEnv


def main(name: str = "parrot") -> None:
    AutoEnv.list_environments()
    print(f"\nAutoEnv.get_env_info({name!r}):\n{json.dumps(AutoEnv.get_env_info(name), indent=2)}")
    Action = AutoAction.from_env(name)

    with AutoEnv.from_env(name) as env:
        print(f"\nEpisode against the server started at {env.base_url}:")
        result = env.reset()
        print(f"  reset -> {result.observation!r}")
        for message in ("Hello from openenv-swift", "How fast is this?", "Goodbye"):
            result = env.step(Action(message=message))
            print(f"  step {message!r} -> reward={result.reward} done={result.done} observation={result.observation!r}")
        print(f"  state -> {env.state()!r}")
    print("session closed, server stopped")


if __name__ == "__main__":
    main(*sys.argv[1:])
