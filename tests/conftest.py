"""Shared fixtures: the bundled seed and its hand-read gold facts (copied into the repo)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "ingest" / "documents" / "xiguan_2020_budget.txt"
GOLD = ROOT / "tests" / "gold" / "xiguan_2020_budget.json"
SHARED = ROOT.parent / "shared"

sys.path.insert(0, str(Path(__file__).parent))  # tests/goldcheck.py


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))
