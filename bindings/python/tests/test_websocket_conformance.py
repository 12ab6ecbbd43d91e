"""The engine's WebSocket client against a hostile server of our own (raw sockets, so it can
send what a correct server never would), replaying the client-relevant categories of the
Autobahn test suite. Each case gets the right answer, or a clean error that says what the
server did; through the blocking path (.sync()), the submitted path (awaited, the engine's
I/O loop) and a vector environment (whose answers the engine checks but does not build). The
process staying alive through all of them is part of the check.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from typing import List, Optional

import pytest

from openenv_swift import AutoEnv, EnvConnectionError, EnvTimeoutError, MessageTooLargeError, ProtocolError, VectorEnvError
from servers import AsyncEngineSession, EngineSession, accept_websocket, accepted, client_frames, loopback_listener

ANSWER = b'{"type":"observation","data":{"observation":{"echoed":"ok"},"reward":1,"done":false}}'


def frame(opcode: int, payload: bytes, final: bool = True, rsv: int = 0, masked: bool = False, length: Optional[int] = None) -> bytes:
    """A server frame; ``length`` overrides the announced length (for lies and absurd sizes)."""
    size = len(payload) if length is None else length
    head = bytes([(0x80 if final else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size <= 0xFFFF:
        head += bytes([mask_bit | 126]) + struct.pack(">H", size)
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", size)
    if masked:
        key = b"\x01\x02\x03\x04"
        return head + key + bytes(byte ^ key[index % 4] for index, byte in enumerate(payload))
    return head + payload


class HostileServer:
    """Answers the WebSocket handshake, reads the client's first frame, then sends ``script``
    (in ``chunk``-byte pieces), keeps reading what the client sends, and drops the connection
    when told or when the client closes."""

    def __init__(self, script: bytes, chunk: int = 0, drop: bool = False) -> None:
        self.script, self.chunk, self.drop = script, chunk, drop
        self.received: List[bytes] = []
        self.listener, self.url = loopback_listener()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        for connection in accepted(self.listener):
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection:
            accept_websocket(connection)
            connection.settimeout(5)
            try:
                self.received.append(connection.recv(65536))  # the request
                if self.chunk:
                    for offset in range(0, len(self.script), self.chunk):
                        connection.sendall(self.script[offset:offset + self.chunk])
                        time.sleep(0.001)
                else:
                    connection.sendall(self.script)
                if self.drop:
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, no FIN
                    return
                while True:
                    data = connection.recv(65536)
                    if not data:
                        return
                    self.received.append(data)
            except OSError:
                return

    def stop(self) -> None:
        self.listener.close()


def blocking(url: str) -> dict:
    with EngineSession(url, message_timeout_s=3, max_message_size_mb=1) as env:
        return env.reset().observation


def submitted(url: str) -> dict:
    async def run() -> dict:
        async with AsyncEngineSession(url, message_timeout_s=3, max_message_size_mb=1) as env:
            return (await env.reset()).observation

    return asyncio.run(run())


def vector(url: str) -> dict:
    with AutoEnv.make_vec("hostile", num_envs=1, base_url=url, skip_install=True, message_timeout_s=3, max_message_size_mb=1) as envs:
        try:
            return envs.reset()[0].observation
        except VectorEnvError as error:
            raise error.errors[0]


PATHS = {"blocking": blocking, "submitted": submitted, "vector": vector}
OK = {"echoed": "ok"}


UNICODE_ANSWER = '{"type":"observation","data":{"observation":{"echoed":"oké"},"reward":1,"done":false}}'.encode()
SPLIT = UNICODE_ANSWER.index("é".encode()) + 1  # inside the two bytes of é

# case -> (what the server sends, what the client must make of it: the observation, or the
# exception class and words its message holds, or "drop" for a reset connection)
CASES = {
    # 1: answers, fragmented, with control frames between the fragments, byte by byte
    "answer": (frame(1, ANSWER), OK),
    "fragments": (frame(1, ANSWER[:10], final=False) + frame(0, ANSWER[10:40], final=False) + frame(0, ANSWER[40:]), OK),
    "ping between fragments": (frame(1, ANSWER[:10], final=False) + frame(9, b"hey") + frame(0, ANSWER[10:]), OK),
    "pong between fragments": (frame(1, ANSWER[:10], final=False) + frame(10, b"") + frame(0, ANSWER[10:]), OK),
    "one byte at a time": (frame(9, b"p") + frame(1, ANSWER[:30], final=False) + frame(0, ANSWER[30:]), OK),
    # 2: pings of every allowed size are answered with the same payload; over 125 is refused
    **{f"ping of {size} bytes": (frame(9, b"x" * size) + frame(1, ANSWER), OK) for size in (0, 1, 64, 125)},
    "ping of 126 bytes": (frame(9, b"x" * 126) + frame(1, ANSWER), (ProtocolError, "longer than 125 bytes")),
    "fragmented ping": (frame(9, b"x", final=False) + frame(1, ANSWER), (ProtocolError, "fragmented")),
    # 3: UTF-8 in text messages, whole and split across fragments
    "utf-8 split across fragments": (frame(1, UNICODE_ANSWER[:SPLIT], final=False) + frame(0, UNICODE_ANSWER[SPLIT:]), {"echoed": "oké"}),
    "invalid utf-8": (frame(1, b'{"type":"observation","data":{"observation":{"x":"\xff\xfe"}}}'), (ProtocolError, "not valid UTF-8")),
    "invalid utf-8 across fragments": (frame(1, b'{"type":"observation","data":{"x":"\xe2\x82', final=False) + frame(0, b'("}}'),
                                       (ProtocolError, "not valid UTF-8")),
    "utf-16 surrogate in utf-8": (frame(1, b'{"type":"observation","data":{"x":"\xed\xa0\x80"}}'), (ProtocolError, "not valid UTF-8")),
    "overlong utf-8": (frame(1, b'{"type":"observation","data":{"x":"\xc0\xaf"}}'), (ProtocolError, "not valid UTF-8")),
    # 4: reserved bits, unknown opcodes, masked frames from the server
    **{f"reserved bit {bit}": (frame(1, ANSWER, rsv=bit), (ProtocolError, "reserved bits")) for bit in (1, 2, 4)},
    **{f"opcode {opcode}": (frame(opcode, b""), (ProtocolError, "unknown")) for opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15)},
    "masked frame": (frame(1, ANSWER, masked=True), (ProtocolError, "masked frame")),
    "continuation first": (frame(0, ANSWER), (ProtocolError, "continuation frame without a message")),
    "new message inside a fragmented one": (frame(1, b"{", final=False) + frame(1, ANSWER), (ProtocolError, "before the previous one ended")),
    # 5: close frames with every kind of code and reason
    "close 1000": (frame(8, struct.pack(">H", 1000) + b"bye"), (EnvConnectionError, "close code 1000, bye")),
    "close 1011 with a long reason": (frame(8, struct.pack(">H", 1011) + b"r" * 123), (EnvConnectionError, "close code 1011")),
    "close without code": (frame(8, b""), (EnvConnectionError, "close code 1005")),
    "close 4999": (frame(8, struct.pack(">H", 4999)), (EnvConnectionError, "close code 4999")),
    "close with an invalid utf-8 reason": (frame(8, struct.pack(">H", 1000) + b"\xff"), (EnvConnectionError, "close code 1000")),
    # 6: payload lengths in every form, including absurd ones
    "16-bit length": (frame(1, ANSWER[:-1] + b" " * 300 + b"}"), OK),
    "64-bit length": (frame(1, ANSWER[:-1] + b" " * 70000 + b"}"), OK),
    "absurd 64-bit length": (frame(1, b"", length=(1 << 63) - 1), (MessageTooLargeError, "exceeds the limit")),
    "over the size limit": (frame(1, b" " * (2 << 20)), (MessageTooLargeError, "exceeds the limit")),
    "binary answer": (frame(2, ANSWER), (ProtocolError, "binary frame")),
    "not json": (frame(1, b"garbage"), (ProtocolError, "malformed JSON")),
    # 7: a connection reset mid-frame, and a frame that never finishes
    "reset mid-frame": (frame(1, ANSWER)[:20], "drop"),
    "frame never finishes": (frame(1, ANSWER)[:20], (EnvTimeoutError, "timed out after 3 s")),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES)
def test_hostile_server(case: str, path: str) -> None:
    script, expected = CASES[case]
    server = HostileServer(script, chunk=1 if case == "one byte at a time" else 0, drop=expected == "drop")
    started = time.monotonic()
    try:
        if isinstance(expected, dict):
            assert PATHS[path](server.url) == expected
            pings = [payload for opcode, payload in client_frames(script_frames_only(script)) if opcode == 9]
            pongs = [payload for opcode, payload in client_frames(b"".join(server.received[1:])) if opcode == 10]
            assert pongs[:len(pings)] == pings, "every ping is answered with its payload"
            return
        kind, words = (EnvConnectionError, "") if expected == "drop" else expected
        with pytest.raises(kind) as caught:
            PATHS[path](server.url)
        assert words in str(caught.value)
        assert time.monotonic() - started < 10
    finally:
        server.stop()


def script_frames_only(script: bytes) -> bytes:
    """The server's frames in the client's layout (masked with a zero key), for client_frames."""
    out, offset = b"", 0
    while offset + 2 <= len(script):
        head, size = script[offset:offset + 2], script[offset + 1] & 0x7F
        extra = 2 if size == 126 else 8 if size == 127 else 0
        length = struct.unpack(">H", script[offset + 2:offset + 4])[0] if size == 126 else struct.unpack(">Q", script[offset + 2:offset + 10])[0] if size == 127 else size
        start = offset + 2 + extra
        out += bytes([head[0], head[1] | 0x80]) + script[offset + 2:start] + b"\0\0\0\0" + script[start:start + length]
        offset = start + length
    return out
