from __future__ import annotations

import random
import threading
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
def _no_leaked_threads():
    """A test that leaves a thread running fails: watchers, servers and pools must be closed
    by what started them (a few seconds are allowed for threads already told to stop)."""
    from .waiting import leaked_threads

    before = set(threading.enumerate())
    yield
    if left := leaked_threads(before):
        pytest.fail("threads left running: " + ", ".join(sorted(t.name for t in left)))


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


def build_request(dump, out, **kw):
    """A BuildRequest from flat keywords: pack settings go into its GameOptions."""
    from dataclasses import fields

    from texpack.build import BuildRequest
    from texpack.session import GameOptions

    game_keys = {f.name for f in fields(GameOptions)}
    opts = GameOptions(**{k: v for k, v in kw.items() if k in game_keys})
    return BuildRequest(dump=dump, out=out, options=opts, **{k: v for k, v in kw.items() if k not in game_keys})


def run_build(dump, out, **kw):
    from texpack.build import build

    return build(build_request(dump, out, **kw))
