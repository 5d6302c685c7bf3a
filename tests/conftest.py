"""Shared test helpers: paths to the repository's fixtures and to the shared benchmark data."""
from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner


def _import_the_package() -> None:
    """Import every module of the package before collection: pytest's importlib mode imports a
    module it collects doctests from under its own name unless that name is already imported, and
    a second copy of a module (``cleaner.extract`` beside the one the pipeline holds) makes a test
    that patches the module patch the copy the pipeline never reads."""
    for module in pkgutil.walk_packages(cleaner.__path__, "cleaner."):
        if module.name.endswith(".__main__"):  # (it runs the command line)
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:  # a module of an optional extra that is not installed
            pass


_import_the_package()

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under the shared data folder; missing data fails under CI and skips elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data missing in CI: {path}")
        pytest.skip(f"shared data not found: {path}")
    return path


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 120):
    """Run the real command line in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "cleaner", *args], input=stdin, capture_output=True,
                          cwd=cwd, timeout=timeout)
