"""The main job: discover the installed OpenEnv environments, describe one, then run an
episode on it through openenv_swift exactly as code written for openenv's AutoEnv / AutoAction
does: async first, then the same episode through .sync(). from_env starts the environment's
server on loopback and stops it on close."""

from __future__ import annotations

import asyncio
import json
import sys

from openenv_swift import AutoAction, AutoEnv


async def episode(name: str, Action: type) -> None:
    env = AutoEnv.from_env(name)
    print(f"\nAsync episode with {type(env).__name__} (the package's own client) at {env.base_url}:")
    async with env:
        result = await env.reset()
        print(f"  reset -> {result.observation!r}")
        for message in ("Hello from openenv-swift", "How fast is this?", "Goodbye"):
            result = await env.step(Action(message=message))
            print(f"  step {message!r} -> reward={result.reward} done={result.done} observation={result.observation!r}")
        print(f"  state -> {await env.state()!r}")


def main(name: str = "parrot") -> None:
    AutoEnv.list_environments()
    print(f"\nAutoEnv.get_env_info({name!r}):\n{json.dumps(AutoEnv.get_env_info(name), indent=2)}")
    Action = AutoAction.from_env(name)
    asyncio.run(episode(name, Action))
    with AutoEnv.from_env(name).sync() as env:
        print("\nThe same through .sync():")
        print(f"  step -> {env.step(Action(message='blocking')).observation!r}")
    print("sessions closed, servers stopped")


if __name__ == "__main__":
    main(*sys.argv[1:])
