"""The executor's memory bounds: chunks, network calls and waiting writes stay bounded,
and bounding them changes no output pixel."""

from __future__ import annotations

import numpy as np
import pytest

import texpack.imagesteps as imagesteps
import texpack.pipeline.execute as execute
from texpack.imageio import load_rgba
from texpack.pipeline.execute import _chunks
from texpack.pipeline.plan import Group

from .conftest import EXAMPLES, run_build
from .packcheck import describe


def _groups(*areas: int) -> list[Group]:
    return [Group(job=str(i), engine=None, area=a) for i, a in enumerate(areas)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "areas, limit_groups, limit_texels, want",
    [
        ((), 4, 100, []),
        ((10, 10, 10), 4, 100, [3]),
        ((10, 10, 10, 10, 10), 2, 100, [2, 2, 1]),
        ((40, 40, 40), 8, 100, [2, 1]),
        ((500, 10, 10), 8, 100, [1, 2]),  # a texture over the budget alone is a chunk of one
        ((10, 500, 10), 8, 100, [1, 1, 1]),
        ((100, 1), 8, 100, [1, 1]),
    ],
)
def test_chunks_respect_both_limits(monkeypatch, areas, limit_groups, limit_texels, want):
    monkeypatch.setattr(execute, "WORK_CHUNK", limit_groups)
    monkeypatch.setattr(execute, "CHUNK_TEXELS", limit_texels)
    work = _groups(*areas)
    chunks = list(_chunks(work))
    assert [len(c) for c in chunks] == want
    assert [g for c in chunks for g in c] == work


def test_tight_bounds_build_the_same_pack(tmp_path, monkeypatch):
    loose = tmp_path / "loose"
    assert run_build(EXAMPLES / "gliden64", loose)[0].ok
    sizes: list[int] = []
    real = imagesteps.upscale_group

    def spy(engine, items, scale):
        sizes.append(len(items))
        return real(engine, items, scale)

    monkeypatch.setattr(execute, "upscale_group", spy)
    monkeypatch.setattr(execute, "WORK_CHUNK", 3)
    monkeypatch.setattr(execute, "CHUNK_TEXELS", 2048)
    monkeypatch.setattr(execute, "CALL_OUTPUT_PX", 2 * 40 * 40 * 16)  # two 40 px (padded) textures
    monkeypatch.setattr(execute, "PENDING_BYTES", 1)  # every result waits for its write
    tight = tmp_path / "tight"
    assert run_build(EXAMPLES / "gliden64", tight)[0].ok
    assert sizes and max(sizes) <= 3
    assert describe(tight) == describe(loose)
    for p in sorted((loose / "hires_texture").rglob("*.png")):
        # the same pixels; the bytes differ only in each pack's own id in the PNG marker
        assert np.array_equal(load_rgba(p), load_rgba(tight / p.relative_to(loose))), p.name
