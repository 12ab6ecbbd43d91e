"""Helpers of the tests that install and run the package as its users do: hiding folders and
files from one command (an empty tmpfs mounted over a folder, ``/dev/null`` bound over a file,
in a private mount namespace, which needs root), a fresh virtualenv that sees a reference's
packages after its own, and an episode run by the installed package.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import List, Sequence

import pytest

from conftest import run

#: The system's OpenSSL, which the shipped library must not need.
SYSTEM_OPENSSL = [Path("/usr/lib") / (sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu") / name
                  for name in ("libssl.so.3", "libcrypto.so.3")]

#: An episode through the installed package and the installed reference, printed as JSON.
EPISODE = """
import asyncio, json, openenv_swift
from openenv_swift import AutoEnv
from parrot_env import ParrotAction

async def episode():
    async with AutoEnv.from_env("parrot", wait_timeout=60) as env:
        await env.reset()
        return (await env.step(ParrotAction(message="from the wheel"))).observation.echoed_message

info = AutoEnv.get_env_info("parrot")
print(json.dumps({"file": openenv_swift.__file__, "version": openenv_swift.__version__, "env_class": info["env_class"],
                  "echo": asyncio.run(episode())}))
"""


def toolchain_folder() -> Path:
    """The Swift toolchain's root (``/opt/swift`` for ``/opt/swift/usr/bin/swift``)."""
    swift = shutil.which("swift")
    assert swift is not None, "swift is not on PATH"
    return Path(swift).resolve().parents[2]


def hiding(command: List[str], folders: Sequence[Path] = (), files: Sequence[Path] = ()) -> List[str]:
    """``command`` run with an empty tmpfs over each of ``folders`` and ``/dev/null`` over each of
    ``files``, in a private mount namespace; skips the test where that cannot be done."""
    mounts = [f"mount -t tmpfs none {shlex.quote(str(folder))}" for folder in folders]
    mounts += [f"mount --bind /dev/null {shlex.quote(str(file))}" for file in files]
    probe = subprocess.run(["unshare", "-m", "sh", "-c", " && ".join(mounts)], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot hide {[str(path) for path in [*folders, *files]]} (unshare -m and mount need root): {probe.stderr.strip()}")
    return ["unshare", "-m", "sh", "-c", " && ".join(mounts) + ' && exec "$@"', "hiding", *command]


def without_toolchain(command: List[str]) -> List[str]:
    """``command`` run with the Swift toolchain's folder hidden."""
    return hiding(command, folders=[toolchain_folder()])


class FreshVenv:
    """A new virtualenv of ``python`` with pip and nothing else."""

    def __init__(self, python: Path, root: Path) -> None:
        run([str(python), "-m", "venv", str(root)])
        self.root = root
        self.python = root / "bin" / "python"
        self.site_packages = Path(run([str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())

    def see_after_own(self, site_packages: Path) -> None:
        """Puts another environment's site-packages on this one's path, after its own (once
        the package under test is installed: before, pip would count what is there)."""
        (self.site_packages / "zz_reference.pth").write_text(f"{site_packages}\n")
