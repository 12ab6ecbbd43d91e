"""How often a reconnect right after a close that interrupted a call meets CAPACITY_REACHED
on a one-session server (the `openenv init` template's default), and how many of the closes
did interrupt a call. Not a test (test_faults.py has the test); RELIABILITY.md keeps the figures.

The server is the template with a 50 ms step (tests' `slow_env`), so that a close 10 ms into a
step interrupts it: the server frees the slot only when that step ends. Each round: connect and
reset, step on a second thread, close from the first thread 10 ms later, then connect and reset
again at once. The engine's sessions are used directly (their errors are typed).

Run: .venv/bin/python benchmarks/reconnect_probe.py [ROUNDS, default 100]   (after scripts/setup.sh)
To measure another build of the library: PYTHONPATH=bindings/python OPENENV_SWIFT_LIB=path/to/libopenenv.so
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))

from servers import Server, interrupt_then_reconnect, slow_env_source, template_maker  # noqa: E402

from openenv_swift import _native  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    server = Server("slow_env.server.app:app", slow_env_source(template_maker(Path(tempfile.mkdtemp(prefix="reconnect-probe-")))))
    try:
        rounds_seen = [interrupt_then_reconnect(server.url) for _ in range(rounds)]
    finally:
        server.stop()
    interrupted = [interrupted for interrupted, _ in rounds_seen].count(True)
    refused = [refused for _, refused in rounds_seen].count(True)
    print(f"library {_native.library_path()}: CAPACITY_REACHED on {refused} of {rounds} reconnects; "
          f"{interrupted} of the closes interrupted a call")


if __name__ == "__main__":
    main()
