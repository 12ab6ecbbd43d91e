"""Builds a synthetic site-packages: N environment packages laid out exactly as pip installs
the `openenv init` template's wheel (sources copied from a real template package), and M
ordinary packages, some with and some without top_level.txt."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def build(site: Path, template: Path, environments: int, others: int) -> None:
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    sources = {name: (template / name).read_text() for name in ("__init__.py", "client.py", "models.py")}
    for index in range(environments):
        module = f"bench{index}_env"
        title = f"Bench{index}"
        dist_info = site / f"openenv_{module}-0.1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: openenv-{module}\nVersion: 0.1.0\n"
            f"Summary: {title} environment for OpenEnv\nRequires-Python: >=3.10\n"
            "Requires-Dist: openenv-core[core]>=0.2.2\n\nA benchmark environment.\n")
        (dist_info / "top_level.txt").write_text(f"{module}\n")
        (dist_info / "entry_points.txt").write_text(f"[console_scripts]\nserver = {module}.server.app:main\n")
        package = site / module
        (package / "server").mkdir(parents=True)
        (package / "server" / "__init__.py").write_text("")
        for name, text in sources.items():
            (package / name).write_text(text.replace("Parrot", title).replace("parrot_env", module))
        record = [f"{module}/{name},," for name in ("__init__.py", "client.py", "models.py", "server/__init__.py")]
        (dist_info / "RECORD").write_text("\n".join(record + [f"{dist_info.name}/RECORD,,"]) + "\n")
    for index in range(others):
        module = f"plainlib{index}"
        dist_info = site / f"{module}-1.{index}.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.{index}\n\n" + "Long text.\n" * 200)
        if index % 2 == 0:
            (dist_info / "top_level.txt").write_text(f"{module}\n")
        package = site / module
        package.mkdir()
        (package / "__init__.py").write_text("VALUE = 1\n")
        files = [f"{module}/__init__.py,,"] + [f"{module}/sub{n}.py,," for n in range(30)]
        (dist_info / "RECORD").write_text("\n".join(files) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("--template", type=Path, required=True, help="a package made by `openenv init parrot_env`")
    parser.add_argument("--environments", type=int, default=500)
    parser.add_argument("--others", type=int, default=300)
    arguments = parser.parse_args()
    build(arguments.site, arguments.template, arguments.environments, arguments.others)
