"""How often a reconnect right after a close that interrupted a call meets CAPACITY_REACHED
on a one-session server (the `openenv init` template's default), and how many of the closes
did interrupt a call. Not a test: the figure depends on timing; RELIABILITY.md keeps it.

Each round: connect and reset, step in a loop on a second thread, close from the first thread
5 ms later, then connect and reset again at once.

Run: .venv/bin/python benchmarks/reconnect_probe.py [ROUNDS, default 200]   (after scripts/setup.sh)
To measure another build of the library: PYTHONPATH=bindings/python OPENENV_SWIFT_LIB=path/to/libopenenv.so
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))

from servers import Server  # noqa: E402

from openenv_swift import CapacityError, GenericEnvClient, OpenEnvError, _native  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    server = Server("parrot_env.server.app:app")
    refused = interrupted = 0
    try:
        for _ in range(rounds):
            try:
                env = GenericEnvClient(server.url).sync().connect()
                env.reset()
            except CapacityError:
                refused += 1
                time.sleep(0.05)  # the server frees the session once the interrupted step ends
                continue
            stop = threading.Event()
            failures: list[OpenEnvError] = []

            def step_until_stopped() -> None:
                try:
                    while not stop.is_set():
                        env.step({"message": "x"})
                except OpenEnvError as error:
                    failures.append(error)

            stepper = threading.Thread(target=step_until_stopped)
            stepper.start()
            time.sleep(0.005)
            stop.set()
            env.close()
            stepper.join()
            interrupted += len(failures)
    finally:
        server.stop()
    print(f"library {_native.library_path()}: CAPACITY_REACHED on {refused} of {rounds} reconnects; "
          f"{interrupted} of the closes interrupted a call")


if __name__ == "__main__":
    main()
