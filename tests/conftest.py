from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import settings

# Shared CI machines stall now and then; a per-example deadline would turn that into failures.
settings.register_profile("texpack", deadline=None, max_examples=100)
settings.load_profile("texpack")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _seed():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _user_models(tmp_path_factory, monkeypatch):
    # Keep the user's real model folder out of tests.
    monkeypatch.setenv("TEXPACK_MODELS", str(tmp_path_factory.mktemp("user-models")))


def has_cuda() -> bool:
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
