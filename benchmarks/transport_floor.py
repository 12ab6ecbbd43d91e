"""How low can the awaited path go? The reference's own async client (`GenericEnvClient` of
openenv-core) under asyncio.gather, K sessions, over four connections side by side in one run:

- websockets: the reference as shipped;
- openenv_swift: the engine as its connection (what `AutoEnv` and `OPENENV_ENGINE=swift` give);
- raw socket on the event loop: a minimal WebSocket client written for this benchmark (a
  handshake, masked text frames out, unfragmented frames in), its socket read by
  `loop.add_reader`. No thread hand-off, no checks; the least any connection doing its I/O on
  the event loop's thread could cost;
- no I/O: a connection that answers from memory (a real answer of the server, recorded first),
  one pass of the event loop later. What the client's own logic and asyncio cost with no
  transport at all.

The last two are measuring instruments, not products: they bound what any connection under the
reference's client can reach. Client CPU per step (user + system), as many_bench.py measures;
the last column divides each run by the reference's run beside it (the runs are interleaved, so
the machine's drift cancels) and gives the median and the spread of those ratios.

Run: .venv/bin/python benchmarks/transport_floor.py [--sizes 16,64] [--repeats 5] [--rounds 200]   (after scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_bench import (PYTHON, REFERENCE_CONNECTION, REFERENCE_IMPORTS, SWIFT_IMPORTS, cpu_cell, cpu_per_step, interleaved_gather_runs,  # noqa: E402
                        many_env_server, paired_ratios, steps_per_session)

# A minimal WebSocket connection on the event loop's thread, installed as the reference's
# ws_connect. Frames from the server are unmasked and, for these answers, unfragmented.
RAW_SOCKET = REFERENCE_IMPORTS + """
import collections, socket, struct
from openenv.core import env_client
class RawSocketConnection:
    def __init__(self, sock, loop):
        self.sock, self.loop, self.answers, self.buffer = sock, loop, collections.deque(), b""
        loop.add_reader(sock.fileno(), self._readable)
    async def send(self, message):
        payload = message.encode()
        size = len(payload)
        head = bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE]) + struct.pack("!H", size)
        self.sock.send(head + b"\\0\\0\\0\\0" + payload)
        self.answers.append(self.loop.create_future())
    def _readable(self):
        self.buffer += self.sock.recv(65536)
        while len(self.buffer) >= 2:
            size, start = self.buffer[1] & 0x7F, 2
            if size == 126:
                size, start = struct.unpack("!H", self.buffer[2:4])[0], 4
            if len(self.buffer) < start + size:
                return
            opcode, message, self.buffer = self.buffer[0] & 0x0F, self.buffer[start:start + size], self.buffer[start + size:]
            if opcode == 0x9:  # the server's keep-alive ping (a slow run outlasts its interval): pong, masked with zeros
                self.sock.send(bytes([0x8A, 0x80 | size]) + b"\\0\\0\\0\\0" + message)
            elif opcode == 0x1:
                self.answers.popleft().set_result(message.decode())
    def recv(self):
        return self.answers[0]
    async def close(self, *arguments):
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
async def ws_connect(uri, **options):
    host, port = uri.split("//")[1].split("/")[0].split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.send(f"GET /ws HTTP/1.1\\r\\nHost: {host}\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n".encode())
    answer = b""
    while b"\\r\\n\\r\\n" not in answer:
        answer += sock.recv(4096)
    sock.setblocking(False)
    return RawSocketConnection(sock, asyncio.get_running_loop())
env_client.ws_connect = ws_connect
"""

# A connection that answers every message with the recorded answer to its type, one pass of the
# event loop later (as an answer read by the loop would come).
NO_IO = REFERENCE_IMPORTS + """
import collections, json
from openenv.core import env_client
ANSWERS = {answers!r}
class AnsweringConnection:
    def __init__(self, loop):
        self.loop, self.answers = loop, collections.deque()
    async def send(self, message):
        future = self.loop.create_future()
        self.loop.call_soon(future.set_result, ANSWERS.get(json.loads(message)["type"], "{{}}"))
        self.answers.append(future)
    def recv(self):
        return self.answers.popleft()
    async def close(self, *arguments):
        pass
async def ws_connect(uri, **options):
    return AnsweringConnection(asyncio.get_running_loop())
env_client.ws_connect = ws_connect
"""

RECORD = """
import asyncio, json
from websockets.asyncio.client import connect
async def main():
    answers = {{}}
    async with connect({url!r}) as ws:
        for message in ({{"type": "reset", "data": {{}}}}, {{"type": "step", "data": {{"message": "hello"}}}}):
            await ws.send(json.dumps(message))
            answers[message["type"]] = await ws.recv()
    print(json.dumps(answers))
asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="steps per session")
    parser.add_argument("--sizes", default="16,64")
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    import json
    import subprocess

    sizes = [int(size) for size in arguments.sizes.split(",")]
    with many_env_server(max(sizes)) as server:
        ws_url = server.url.replace("http://", "ws://") + "/ws"
        answers = json.loads(subprocess.run([PYTHON, "-c", RECORD.format(url=ws_url)], check=True, capture_output=True, text=True).stdout)
        clients = {REFERENCE_CONNECTION: REFERENCE_IMPORTS, "openenv_swift (the engine)": SWIFT_IMPORTS,
                   "raw socket on the event loop": RAW_SOCKET, "no I/O (answers from memory)": NO_IO.format(answers=answers)}
        rows: dict[int, dict[str, dict]] = {}
        for size in sizes:
            rounds = steps_per_session(arguments.rounds, size)
            samples = interleaved_gather_runs({name: (imports, None) for name, imports in clients.items()}, server, size, rounds,
                                              arguments.repeats)
            rows[size] = {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]} for name, runs in samples.items()}
            reference_runs = samples[REFERENCE_CONNECTION]
            for name, runs in samples.items():  # each run against the reference's run beside it
                rows[size][name]["paired"] = paired_ratios(runs, reference_runs)

    print(f"# Transport floor\n\nThe reference's async GenericEnvClient under asyncio.gather over four connections; Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; median of {arguments.repeats} "
          "interleaved runs.\n")
    for size, table in rows.items():
        reference = cpu_per_step(table[REFERENCE_CONNECTION])
        lines = [f"| {name} | {row['steps_per_second']:.0f} | {cpu_cell(row)} | {cpu_per_step(row) / reference:.2f}x | "
                 f"{statistics.median(row['paired']):.2f}x ({row['paired'][0]:.2f}x to {row['paired'][-1]:.2f}x) |" for name, row in table.items()]
        print(f"\n## K = {size}\n\n| connection | steps/s | client CPU per step (user + system) | vs reference: CPU | "
              "run by run: median (lowest to highest) |\n|---|---|---|---|---|")
        print("\n".join(lines))

if __name__ == "__main__":
    main()
