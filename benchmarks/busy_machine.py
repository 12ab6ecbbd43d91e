"""The benchmarks' busy-machine mode: training machines are busy (data loading, the trainer's
threads), so a client that needs less CPU should win most where CPU is short."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Iterator


def machine_description(enabled: bool) -> str:
    """How the benchmarks' tables name the machine's state."""
    return "busy: one pure-Python busy loop per core" if enabled else "not loaded by the benchmark"


@contextlib.contextmanager
def busy_machine(enabled: bool) -> Iterator[None]:
    """One pure-Python busy loop per core, for as long as the block runs (when `enabled`)."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)] if enabled else []
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
