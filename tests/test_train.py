"""`texpack train`: the dump-like degradation, training data, and short real runs end to end."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from click.testing import CliRunner
from PIL import Image

from texpack.cli import main
from texpack.train import TrainConfig, train
from texpack.train import degrade as dg
from texpack.train.data import PairSampler, TrainDataError, decode_source, find_images, load_bank, split_val

RNG = np.random.default_rng(5)
WIDEN5 = {(q << 3) | (q >> 2) for q in range(32)}
PSX5 = {(q * 527 + 23) >> 6 for q in range(32)}


def _bytes(lr: np.ndarray) -> set[int]:
    """The 8-bit values a float image holds (each must be an exact byte)."""
    b = lr * 255
    assert np.allclose(b, np.round(b), atol=1e-3)
    return set(np.unique(np.round(b).astype(int)).tolist())


def _texture(seed: int, side: int = 96, alpha: bool = False) -> np.ndarray:
    """A small real-looking RGBA8 texture: smooth colour fields, bricks and noise."""
    r = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
    base = np.stack([np.sin(xx * r.uniform(2, 9) + c) * 0.3 + 0.5 for c in range(3)], axis=-1)
    mortar = ((yy * 8 % 1) < 0.12) | (((xx * 4 + (yy * 8 // 1) * 0.5) % 1) < 0.06)
    img = np.where(mortar[..., None], 0.25, base) + r.normal(0, 0.04, (side, side, 3))
    out = np.empty((side, side, 4), np.uint8)
    out[..., :3] = np.clip(img * 255, 0, 255).astype(np.uint8)
    out[..., 3] = 255
    if alpha:
        out[: side // 3, :, 3] = 0
    return out


def _write_images(folder: Path, n: int, side: int = 96) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(_texture(i, side, alpha=i % 3 == 0), "RGBA").save(folder / f"wall{i}.png")
    return folder


# -- degradation --------------------------------------------------------------------------

def _lr(fmt: str, dither: bool = False, alpha: bool = False):
    hr = RNG.random((32, 32, 3)).astype(np.float32)
    a = None
    if alpha:
        a = np.ones((32, 32), np.float32)
        a[:8] = 0
    return dg.degrade(hr, a, 4, dg.Recipe(fmt, "area", dither))


@pytest.mark.parametrize(
    "fmt, check",
    [
        ("rgba16", lambda lr: _bytes(lr) <= WIDEN5),
        ("rgba32", lambda lr: np.allclose(lr * 255, np.round(lr * 255), atol=1e-4)),
        ("psx-c16", lambda lr: _bytes(lr) <= PSX5),
        ("i4", lambda lr: len(np.unique(lr)) <= 16 and np.array_equal(lr[..., 0], lr[..., 2])),
        ("i8", lambda lr: np.array_equal(lr[..., 0], lr[..., 1])),
        ("ia4", lambda lr: len(np.unique(lr)) <= 8),
        ("ia8", lambda lr: len(np.unique(lr)) <= 16),
        ("ia16", lambda lr: np.array_equal(lr[..., 1], lr[..., 2])),
        ("ci4", lambda lr: len(np.unique(lr.reshape(-1, 3), axis=0)) <= 16 and _bytes(lr) <= WIDEN5),
        ("ci8", lambda lr: _bytes(lr) <= WIDEN5),
        ("psx-p4", lambda lr: len(np.unique(lr.reshape(-1, 3), axis=0)) <= 16 and _bytes(lr) <= PSX5),
        ("psx-p8", lambda lr: _bytes(lr) <= PSX5),
    ],
)
@pytest.mark.parametrize("dither", [False, True])
def test_each_format_stores_only_its_levels(fmt, check, dither):
    lr, target, a = _lr(fmt, dither)
    assert lr.shape == (8, 8, 3) and target.shape == (32, 32, 3) and a is None
    assert lr.dtype == np.float32 and 0.0 <= lr.min() and lr.max() <= 1.0
    assert check(lr), fmt


def test_grey_formats_have_grey_targets_and_colour_formats_keep_colour():
    _, t_grey, _ = _lr("ia8")
    _, t_col, _ = _lr("rgba16")
    assert np.array_equal(t_grey[..., 0], t_grey[..., 1])
    assert not np.array_equal(t_col[..., 0], t_col[..., 1])


def test_widening_matches_the_emulators():
    # GLideN64 bit replication and DuckStation's (c*527+23)>>6 both map 0->0, 31->255.
    assert dg._widen(np.array([0, 16, 31]), 5).tolist() == pytest.approx([0, 132 / 255, 1.0])
    assert dg._widen_psx(np.array([0, 1, 31])).tolist() == pytest.approx([0, 8 / 255, 1.0])
    assert dg._widen(np.array([0, 7]), 3).tolist() == pytest.approx([0, 1.0])


def test_cut_out_alpha_is_one_bit_and_hidden_colour_is_bled():
    lr, _, a = _lr("rgba32", alpha=True)
    assert a is not None and set(np.unique(a)) == {0.0, 1.0}
    assert a[:2].max() == 0 and a[2:].min() == 1
    # Bled: hidden texels no longer hold the noise under them but a smooth fill made of
    # the visible colours, as texpack.alpha.bleed prepares a real dump.
    plain, _, _ = _lr("rgba32")
    assert not np.allclose(lr[:2], plain[:2])
    assert lr[:2].std() < 0.5 * lr[2:].std()
    assert lr[2:].min() <= lr[:2].min() and lr[:2].max() <= lr[2:].max()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dg.downscale(np.zeros((10, 8)), 4, "area"), "not a multiple"),
        (lambda: dg.downscale(np.zeros((8, 8)), 4, "lanczos"), "unknown downscale"),
        (lambda: dg.quantise(np.zeros((4, 4, 3)), None, dg.Recipe("rgb565")), "unknown format"),
    ],
)
def test_degradation_refuses_bad_requests(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_downscale_methods_shape_and_mean():
    img = RNG.random((16, 16, 3)).astype(np.float32)
    area = dg.downscale(img, 4, "area")
    assert area.shape == (4, 4, 3)
    assert area[0, 0] == pytest.approx(img[:4, :4].mean(axis=(0, 1)))
    bil = dg.downscale(img, 4, "bilinear")
    assert bil[0, 0] == pytest.approx(img[1:3, 1:3].mean(axis=(0, 1)))


def test_recipes_cover_every_format():
    r = np.random.default_rng(0)
    seen = {dg.pick_recipe(r).fmt for _ in range(2000)}
    assert seen == set(dg.FORMATS)


def test_recipes_limited_to_some_formats_pick_only_those():
    r = np.random.default_rng(0)
    seen = {dg.pick_recipe(r, formats=dg.CLUT_FORMATS).fmt for _ in range(500)}
    assert seen == set(dg.CLUT_FORMATS)


# -- data ---------------------------------------------------------------------------------

def test_find_images_folders_archives_and_filters(tmp_path):
    src = _write_images(tmp_path / "tex", 2)
    Image.fromarray(_texture(9)).save(src / "wall0_norm.png")  # a normal map: not colour
    (src / "notes.txt").write_text("x")
    buf = io.BytesIO()
    Image.fromarray(_texture(10)).save(buf, "PNG")
    with zipfile.ZipFile(tmp_path / "pak.pk3", "w") as z:
        z.writestr("textures/base/floor.png", buf.getvalue())
        z.writestr("textures/base/floor_gloss.png", buf.getvalue())
        z.writestr("textures/skip/x.png", buf.getvalue())
    refs = find_images([src, tmp_path / "pak.pk3"], exclude=("textures/skip/*",))
    labels = [r.label.replace(str(tmp_path), "") for r in refs]
    assert labels == ["/tex/wall0.png", "/tex/wall1.png", "/pak.pk3:textures/base/floor.png"]
    assert refs[-1].read() == buf.getvalue()
    with pytest.raises(TrainDataError, match="no such file"):
        find_images([tmp_path / "missing"])
    (tmp_path / "bad.pk3").write_bytes(b"not a zip")
    with pytest.raises(TrainDataError, match="bad.pk3: cannot read archive"):
        find_images([tmp_path / "bad.pk3"])


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, usable",
    [
        (_png(_texture(1, 96)), True),
        (_png(_texture(1, 640)), True),  # reduced to the bank size
        (_png(_texture(1, 32)), False),  # smaller than a useful crop
        (_png(np.full((96, 96, 3), 90, np.uint8)), False),  # a flat fill
        (b"\x89PNG\r\n\x1a\n broken", False),
        (b"", False),
    ],
)
def test_decode_source_table(data, usable):
    img = decode_source(data)
    assert (img is not None) == usable
    if img is not None:
        assert img.dtype == np.uint8 and img.shape[2] == 4 and max(img.shape[:2]) <= 320


def test_split_is_seeded_and_disjoint(tmp_path):
    refs = find_images([_write_images(tmp_path / "t", 40, side=64)])
    tr, va = split_val(refs, 0.1, seed=3)
    assert len(va) == 4 and not set(tr) & set(va) and len(tr) + len(va) == 40
    assert split_val(refs, 0.1, seed=3) == (tr, va)


def test_sampler_batches_are_deterministic_and_resumable(tmp_path):
    bank, skipped = load_bank(find_images([_write_images(tmp_path / "t", 4)]))
    assert len(bank) == 4 and not skipped
    a, b = PairSampler(bank, 2, 16, seed=1), PairSampler(bank, 2, 16, seed=1)
    lr, hr, wt = a.batch(3)
    assert lr.shape == (3, 3, 16, 16) and hr.shape == (3, 3, 32, 32) and wt.shape == (3, 1, 32, 32)
    assert np.array_equal(lr, b.batch(3)[0])
    state = a.state()
    nxt = a.batch(2)[0]
    b.restore(state)
    assert np.array_equal(b.batch(2)[0], nxt)
    with pytest.raises(TrainDataError, match="at least 256 px"):
        PairSampler(bank, 4, 64, seed=0).batch(1)


# -- runs ---------------------------------------------------------------------------------

def _cfg(tmp_path: Path, **kw) -> TrainConfig:
    base = dict(hr=(tmp_path / "hr",), name="tiny", out=tmp_path / "models", work=tmp_path / "work", scale=2,
                steps=4, gan_steps=0, batch=2, lr_patch=8, val_every=2, checkpoint_minutes=0.0, seed=2, device="cpu")
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture()
def hr_images(tmp_path):
    return _write_images(tmp_path / "hr", 6)


def test_cli_trains_both_stages_and_the_models_load(tmp_path, hr_images, monkeypatch):
    out = tmp_path / "models"
    monkeypatch.setenv("TEXPACK_MODELS", str(out))
    card = tmp_path / "card.yaml"
    card.write_text("description: test model\ndata:\n  - name: generated walls\n    license: CC0-1.0\n")
    args = ["train", "--hr", str(hr_images), "--name", "tiny", "--scale", "2", "--steps", "3", "--gan-steps", "2",
            "--batch", "2", "--patch", "16", "--val-every", "2", "--device", "cpu", "--seed", "4",
            "--license", "CC0-1.0", "--card", str(card), "--out", str(out), "--work", str(tmp_path / "work")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "tiny.safetensors (faithful)" in res.output and "tiny-sharp.safetensors (sharp)" in res.output
    faithful = yaml.safe_load((out / "tiny.yaml").read_text())
    sharp = yaml.safe_load((out / "tiny-sharp.yaml").read_text())
    assert faithful["detail_model"] == "tiny-sharp" and sharp["detail_of"] == "tiny"
    assert faithful["license"] == "CC0-1.0" and faithful["description"] == "test model"
    assert faithful["data"] == [{"name": "generated walls", "license": "CC0-1.0"}]
    assert faithful["training"]["steps"] == 3 and sharp["training"]["gan_steps"] == 2
    assert faithful["training"]["recipe"].startswith("texpack train --hr")
    assert [r["step"] for r in faithful["validation"]["table"]] == [2, 3]
    assert set(faithful["validation"]["bicubic"]) >= {"psnr", "sharpness"}

    from texpack.models import find_model
    from texpack.models.load import load_model

    plain = load_model(find_model("tiny"))
    mixed = load_model(find_model("tiny"), detail=0.5)
    assert plain.scale == 2 and plain.info.arch == "Compact"
    assert plain.sha256 != mixed.sha256
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        y = mixed.module(x)
    assert y.shape == (1, 3, 24, 24) and torch.isfinite(y).all()


def test_interrupted_run_resumes_to_the_same_weights(tmp_path, hr_images):
    straight = train(_cfg(tmp_path, out=tmp_path / "a", work=tmp_path / "wa"))

    class Stop(Exception):
        pass

    def stop_after_two(p):
        # Progress is reported before the step's checkpoint, so stopping at step 3
        # leaves the checkpoint of step 2 behind, as a crash would.
        if p.stage == "psnr" and p.step == 3:
            raise Stop

    cfg_b = _cfg(tmp_path, out=tmp_path / "b", work=tmp_path / "wb")
    with pytest.raises(Stop):
        train(cfg_b, stop_after_two)
    assert not (tmp_path / "b" / "tiny.safetensors").exists()
    resumed = train(dataclasses.replace(cfg_b, resume=True))

    from texpack.models.safeload import read_state_dict

    sa, sb = read_state_dict(straight["psnr"]), read_state_dict(resumed["psnr"])
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


def test_fine_tuning_from_a_model_file_and_its_scale_check(tmp_path, hr_images):
    first = train(_cfg(tmp_path, steps=1))
    tuned = train(_cfg(tmp_path, name="tuned", init=first["psnr"], steps=1))
    card = yaml.safe_load(tuned["psnr"].with_suffix(".yaml").read_text())
    assert card["training"]["init"]["file"] == "tiny.safetensors"
    with pytest.raises(Exception, match="x2 model cannot be trained for x4"):
        train(_cfg(tmp_path, name="wrong", init=first["psnr"], scale=4, lr_patch=8))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--name", "bad/name"], "name"),
        (["--resume"], "no checkpoint to resume from"),
        (["--gan-steps", "1"], "at least 32 px; --patch 8 at x2 gives 16"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, hr_images, args, message):
    base = ["train", "--hr", str(hr_images), "--name", "ok", "--scale", "2", "--steps", "1", "--batch", "1",
            "--patch", "8", "--device", "cpu", "--out", str(tmp_path / "m"), "--work", str(tmp_path / "w")]
    res = CliRunner().invoke(main, base + args)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output


def test_no_usable_images_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    Image.fromarray(np.full((80, 80, 3), 40, np.uint8)).save(empty / "flat.png")
    Image.fromarray(np.full((80, 80, 3), 40, np.uint8)).save(empty / "flat2.png")
    with pytest.raises(TrainDataError, match="no usable training images"):
        train(_cfg(tmp_path, hr=(empty,)))


def test_preview_writes_a_grid(tmp_path, hr_images):
    out = tmp_path / "preview.png"
    res = CliRunner().invoke(main, ["train", "--hr", str(hr_images), "--name", "p", "--scale", "2", "--patch", "16", "--preview", str(out)])
    assert res.exit_code == 0, res.output
    with Image.open(out) as im:
        assert im.size[0] > 4 * 64 and im.mode == "RGBA"


def test_detail_energy_loss_counts_detail_not_its_place():
    from texpack.train.losses import DetailEnergyLoss, EdgeLoss

    gen = torch.Generator().manual_seed(3)
    truth = torch.rand(2, 3, 32, 32, generator=gen)
    ones = torch.ones(2, 1, 32, 32)
    energy, edge = DetailEnergyLoss(window=8), EdgeLoss()
    flat = torch.full_like(truth, 0.5)
    # The same kind of noise, other samples: as much detail, none of it in place.
    other = torch.rand(2, 3, 32, 32, generator=gen)
    assert energy(truth, truth, ones) == 0
    assert energy(other, truth, ones) < 0.1 * energy(flat, truth, ones)
    assert edge(other, truth, ones) > edge(flat, truth, ones)  # what per-texel losses prefer
    # Hidden texels add nothing.
    hidden = ones.clone()
    hidden[..., :16, :] = 0
    scrambled = truth.clone()
    scrambled[..., :15, :] = 0.5
    assert energy(scrambled, truth, hidden) == pytest.approx(0, abs=1e-6)
    assert energy(scrambled, truth, ones) > 0


def test_energy_weight_reaches_the_card(tmp_path, hr_images):
    res = train(_cfg(tmp_path, steps=1, gan_steps=1, lr_patch=16, energy_weight=0.5))
    sharp = yaml.safe_load(res["gan"].with_suffix(".yaml").read_text())
    assert sharp["training"]["energy_weight"] == 0.5
    assert sharp["training"]["losses"] == {"edge": 1.0, "fm": 0.1, "adv": 5e-3, "l1": 0.5, "energy": 0.5, "grid": 20.0}


def test_ema_forgets_the_stage_start_in_short_stages():
    from texpack.train.loop import EMA_DECAY, ema_decay, ema_update

    rates = [ema_decay(t) for t in range(20000)]
    assert rates[0] == pytest.approx(0.1) and all(a <= b for a, b in zip(rates, rates[1:], strict=False)) and rates[-1] == EMA_DECAY
    # A weight that jumps from 0 to 1 at the stage start: within a few hundred steps of a
    # stage the average has followed it (a constant 0.999 would still be at 0.26 after 300).
    g, ema = torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        g.weight.fill_(1.0)
        ema.weight.fill_(0.0)
    for t in range(300):
        ema_update(ema, g, ema_decay(t))
    assert float(ema.weight.detach()) > 0.9


def _phase_grid(amplitude: float, factor: int = 4, side: int = 64) -> torch.Tensor:
    g = torch.zeros(1, 1, factor, factor)
    g[0, 0, 0, 0] = amplitude
    return g.repeat(1, 1, side // factor, side // factor)


@pytest.mark.parametrize("amplitude", [0.005, 0.02, 0.1])
def test_grid_loss_and_metric_see_a_pixel_shuffle_grid_not_noise(amplitude):
    from texpack.train.losses import GridLoss
    from texpack.train.metrics import grid_artifact

    gen = torch.Generator().manual_seed(int(amplitude * 1000))
    truth = torch.rand(2, 3, 64, 64, generator=gen)
    ones = torch.ones(2, 1, 64, 64)
    # Noise of the same amplitude at every texel: far more detail energy than the grid.
    noise = (torch.rand(2, 3, 64, 64, generator=gen) - 0.5) * 2 * amplitude
    gridded = truth + _phase_grid(amplitude)
    loss = GridLoss(4)
    assert loss(truth, truth, ones) == 0
    assert loss(gridded, truth, ones) > 3 * loss(truth + noise, truth, ones)

    def levels(x: torch.Tensor) -> float:
        return grid_artifact(x[0].permute(1, 2, 0).numpy(), truth[0].permute(1, 2, 0).numpy())

    assert levels(truth) == 0
    # one position of 16 off by a: RMS over positions of the deviation from their mean
    assert levels(gridded) == pytest.approx(amplitude * 255 * (15**0.5) / 16, rel=1e-4)
    assert levels(truth + noise) < 0.5 * levels(gridded)


def test_grid_loss_ignores_hidden_texels_and_scale_one():
    from texpack.train.losses import GridLoss

    truth = torch.rand(1, 3, 32, 32)
    wt = torch.ones(1, 1, 32, 32)
    wt[..., :, :16] = 0
    bad = truth.clone()
    bad[..., :, :16] += _phase_grid(0.2, side=32)[..., :, :16]
    assert GridLoss(4)(bad, truth, wt) == 0
    assert GridLoss(1)(bad, truth, torch.ones_like(wt)) == 0


def test_gan_stage_alone_from_a_model_file_and_its_recipe_keeps_steps_zero(tmp_path, hr_images):
    first = train(_cfg(tmp_path, steps=1))
    out = tmp_path / "gan-only"
    args = ["train", "--hr", str(hr_images), "--name", "tuned", "--init", str(first["psnr"]), "--scale", "2",
            "--steps", "0", "--gan-steps", "2", "--energy-weight", "5", "--batch", "2", "--patch", "16", "--device", "cpu",
            "--out", str(out), "--work", str(tmp_path / "w")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    sharp = yaml.safe_load((out / "tuned-sharp.yaml").read_text())
    recipe = sharp["training"]["recipe"].split()
    assert recipe[recipe.index("--steps") + 1] == "0" and recipe[recipe.index("--energy-weight") + 1] == "5.0"
    assert sharp["training"]["init"]["file"] == "tiny.safetensors" and sharp["detail_of"] == "tuned"


def test_span_trains_in_its_fused_form_and_saves_what_spandrel_loads(tmp_path, hr_images):
    """--arch span: the run trains the fused convolutions; the file holds spandrel's branches
    (fusing back to the trained weights), and the card points to the learning curve."""
    from texpack.models.load import load_descriptor
    from texpack.train.checkpoint import path_for

    cfg = _cfg(tmp_path, arch="span", steps=2, val_every=1)
    result = train(cfg)
    desc = load_descriptor(result["psnr"])
    assert desc.architecture.id == "SPAN" and desc.scale == 2
    ckpt = torch.load(path_for(cfg), weights_only=True)
    assert "conv_1.eval_conv.weight" in ckpt["g"] and "conv_1.sk.weight" not in ckpt["g"]  # trained fused
    card = yaml.safe_load((tmp_path / "models" / "tiny.yaml").read_text())
    curve = tmp_path / "models" / card["learning_curve"]
    with Image.open(curve) as im:
        assert im.size == (640, 360)
    from texpack.models.span_reparam import fuse

    sd = desc.model.state_dict()
    w, _ = fuse({k[len("block_1.c1_r."):]: v.float() for k, v in sd.items() if k.startswith("block_1.c1_r.") and "eval_conv" not in k})
    assert torch.allclose(w, ckpt["ema"]["block_1.c1_r.eval_conv.weight"].float(), atol=2e-3)  # fp16 file


def test_pixel_losses_count_visible_texels_only():
    from texpack.train.losses import PIXEL_LOSSES

    truth = torch.zeros(1, 3, 4, 4)
    out = truth.clone()
    out[..., 0, :] = 0.5  # error 0.5 on the top row
    out[..., 3, :] = 1.0  # error 1.0 on the bottom row, hidden below
    wt = torch.ones(1, 1, 4, 4)
    wt[..., 3, :] = 0
    # 4 of the 12 visible texels per channel are off by 0.5
    assert float(PIXEL_LOSSES["l1"](out, truth, wt)) == pytest.approx(0.5 * 4 / 12)
    assert float(PIXEL_LOSSES["l2"](out, truth, wt)) == pytest.approx(0.25 * 4 / 12)
    # l2 weighs one large error over many small ones, l1 the other way round
    few_big, many_small = truth.clone(), truth.clone()
    few_big[..., 0, 0] = 0.8
    many_small[..., :2, :2] = 0.2
    ones = torch.ones(1, 1, 4, 4)
    assert PIXEL_LOSSES["l1"](few_big, truth, ones) == pytest.approx(PIXEL_LOSSES["l1"](many_small, truth, ones))
    assert PIXEL_LOSSES["l2"](few_big, truth, ones) > PIXEL_LOSSES["l2"](many_small, truth, ones)


def test_pixel_loss_l2_trains_differently_and_reaches_the_card(tmp_path, hr_images):
    out = tmp_path / "models"
    args = ["train", "--hr", str(hr_images), "--name", "sq", "--scale", "2", "--steps", "2", "--pixel-loss", "l2",
            "--batch", "2", "--patch", "8", "--device", "cpu", "--seed", "2", "--out", str(out), "--work", str(tmp_path / "w")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    card = yaml.safe_load((out / "sq.yaml").read_text())
    assert card["training"]["losses"] == {"l2": 1.0}
    assert "--pixel-loss l2" in card["training"]["recipe"]

    from texpack.models.safeload import read_state_dict

    l1 = train(_cfg(tmp_path, out=tmp_path / "a", work=tmp_path / "wa", steps=2))
    l2 = train(_cfg(tmp_path, out=tmp_path / "b", work=tmp_path / "wb", steps=2, pixel_loss="l2"))
    s1, s2 = read_state_dict(l1["psnr"]), read_state_dict(l2["psnr"])
    assert any(not torch.equal(s1[k], s2[k]) for k in s1)  # same seed and data: only the loss differs
    bad = CliRunner().invoke(main, args[:-2] + ["--pixel-loss", "l3"])
    assert bad.exit_code != 0 and "l3" in bad.output


def test_noise_overshoot_sees_a_network_that_amplifies_noise():
    from texpack.train.metrics import noise_overshoot

    cpu = torch.device("cpu")
    ident = torch.nn.Identity()
    assert noise_overshoot(ident, cpu) == 0.0  # noise in [0, 1] stays there
    gain = torch.nn.Conv2d(3, 3, 1, bias=False)
    with torch.no_grad():
        gain.weight.copy_(torch.eye(3).view(3, 3, 1, 1) * 5)
    # uniform noise times 5 reaches nearly 5: 4 past the top of the range
    assert 3.5 < noise_overshoot(gain, cpu) <= 4.0
    assert noise_overshoot(gain, cpu, seed=3) == noise_overshoot(gain, cpu, seed=3)  # seeded: comparable across steps
