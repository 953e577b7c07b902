#!/usr/bin/env python3
"""Copy the runtime code (domain/, ports/, adapters/) from the repository root into deploy/.

Serverless resolves handler paths and package patterns against the folder of serverless.yml,
and the zip it builds is rooted there, so the packages must sit beside it. The copies are
git-ignored and replaced on every run: edit the originals at the repository root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
PACKAGES = ("domain", "ports", "adapters")
# Left out of the copy; serverless.yml's package patterns exclude the same again.
IGNORED_NAMES = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py")
LOCAL_ONLY = {ROOT / "adapters" / "local"}
MARKER = ".staged-copy"


def ignored(folder: str, names: list[str]) -> set[str]:
    skipped = set(IGNORED_NAMES(folder, names))
    skipped.update(name for name in names if Path(folder, name) in LOCAL_ONLY)
    return skipped


def stage(package: str) -> None:
    source, target = ROOT / package, DEPLOY / package
    if not source.is_dir():
        raise SystemExit(f"stage_code: {source} does not exist")
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        if not (target / MARKER).exists():
            raise SystemExit(f"stage_code: {target} is not a staged copy; refusing to replace it")
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=ignored)
    (target / MARKER).write_text("Copied by deploy/scripts/stage_code.py; edit ../../ instead.\n")


def main() -> None:
    for package in PACKAGES:
        stage(package)
    print(f"stage_code: copied {', '.join(PACKAGES)} into {DEPLOY.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
