"""Shared fixtures. Tests never write to ``~/.cache``: the dataset cache lives in a per-session folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"

_configured_cache: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Point the cache at a throwaway folder before any doctest in ``graph/`` runs.

    The autouse fixture below covers the tests in this folder; doctests in the package
    are outside its reach, so the variable is set for the whole process as well.
    """
    global _configured_cache
    _configured_cache = tempfile.mkdtemp(prefix="armsgraph-test-cache-")
    os.environ["ARMSGRAPH_CACHE_DIR"] = _configured_cache


def pytest_unconfigure(config: pytest.Config) -> None:
    if _configured_cache:
        shutil.rmtree(_configured_cache, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``ARMSGRAPH_CACHE_DIR`` for the session: a temporary folder, never the user's cache."""
    folder = tmp_path_factory.mktemp("armsgraph-cache")
    previous = os.environ.get("ARMSGRAPH_CACHE_DIR")
    os.environ["ARMSGRAPH_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ARMSGRAPH_CACHE_DIR", None)
    else:
        os.environ["ARMSGRAPH_CACHE_DIR"] = previous


@pytest.fixture
def good_dir() -> Path:
    """A tiny valid dataset: KOR -> POL K2 tanks that backfill POL -> UKR T-72 donations."""
    return DATA / "good"


@pytest.fixture
def seed_folder(tmp_path: Path, good_dir: Path) -> Path:
    """A writable copy of the good dataset, for tests that edit or add files."""
    folder = tmp_path / "seeds"
    shutil.copytree(good_dir, folder)
    return folder
