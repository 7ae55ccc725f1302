"""`texpack train` on inputs from elsewhere: numbers that are not numbers, a run that diverges,
game archives with a bomb or a damaged member, checkpoints and cards that are not what they say."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from click.testing import CliRunner
from PIL import Image

from texpack.cli import main
from texpack.train.config import ARCHS

from .run import texpack


def images(folder: Path, n: int = 4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (72, 72, 3), dtype=np.uint8)).save(folder / f"wall{i}.png")
    return folder


def run(tmp_path: Path, *extra: str, hr: Path | None = None):
    hr = hr or images(tmp_path / "hr")
    args = ["train", "--hr", str(hr), "--name", "t", "--scale", "2", "--steps", "2", "--batch", "2", "--patch", "8",
            "--device", "cpu", "--val-every", "1", "--out", str(tmp_path / "m"), "--work", str(tmp_path / "w"), *extra]
    return CliRunner().invoke(main, args)


def test_the_cli_offers_every_architecture_training_knows():
    from texpack.cli.train import ARCH_CHOICES

    assert tuple(ARCH_CHOICES) == tuple(ARCHS)


def test_the_cli_offers_every_dump_format_training_knows():
    from texpack.cli.train import CLUT_FORMATS, FORMAT_CHOICES
    from texpack.train import degrade

    assert FORMAT_CHOICES == tuple(degrade.FORMATS) and CLUT_FORMATS == degrade.CLUT_FORMATS


@pytest.mark.parametrize("value", ["rgba64", "clut,psx-p16", "CI4"])
def test_unknown_dump_formats_are_refused_before_any_work(tmp_path, value):
    r = run(tmp_path, "--formats", value)
    assert r.exit_code == 2 and "Traceback" not in r.output and "is not a dump format" in r.output, r.output
    assert not (tmp_path / "m").exists()


def test_a_run_limited_to_clut_formats_says_so_in_its_card(tmp_path):
    r = run(tmp_path, "--formats", "clut,i4", "--precision", "fp32")
    assert r.exit_code == 0, r.output
    card = yaml.safe_load((tmp_path / "m" / "t.yaml").read_text())
    assert card["training"]["formats"] == ["ci4", "ci8", "psx-p4", "psx-p8", "i4"]
    assert "--formats ci4,ci8,psx-p4,psx-p8,i4" in card["training"]["recipe"]


@pytest.mark.parametrize("flag,value", [("--lr", "nan"), ("--lr", "inf"), ("--lr", "-1"), ("--lr", "0"), ("--gan-lr", "nan"),
                                        ("--checkpoint-minutes", "nan"), ("--energy-weight", "1e30")])
def test_numbers_that_are_not_usable_are_refused_before_any_work(tmp_path, flag, value):
    r = run(tmp_path, flag, value)
    assert r.exit_code == 2 and "Traceback" not in r.output and flag in r.output
    assert not (tmp_path / "m").exists()


def test_a_diverging_run_stops_and_saves_no_model(tmp_path):
    # A learning rate of 1 on a fresh network diverges within a few steps here.
    r = run(tmp_path, "--lr", "1", "--steps", "40", "--precision", "fp32")
    assert r.exit_code != 0 and "Traceback" not in r.output, r.output
    assert "diverged" in r.output
    assert not list((tmp_path / "m").glob("*.safetensors"))


def test_an_archive_with_a_bomb_and_a_damaged_member_trains_on_the_rest(tmp_path):
    pk3 = tmp_path / "data.pk3"
    src = images(tmp_path / "src")
    with zipfile.ZipFile(pk3, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for p in sorted(src.iterdir()):
            z.write(p, f"textures/{p.name}")
        with z.open("textures/huge.png", "w", force_zip64=True) as f:  # 3 GiB of zeros in about 3 MB
            block = bytes(64 << 20)
            for _ in range(48):
                f.write(block)
        z.writestr("textures/broken.png", (src / "wall0.png").read_bytes())
    with zipfile.ZipFile(pk3) as z:
        info = z.getinfo("textures/broken.png")
    b = bytearray(pk3.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        b[i] ^= 0x5A
    pk3.write_bytes(bytes(b))
    r = texpack("train", "--hr", pk3, "--name", "t", "--scale", "2", "--steps", "2", "--batch", "2", "--patch", "8",
                "--device", "cpu", "--out", tmp_path / "m", "--work", tmp_path / "w", cap=None, timeout=300)
    assert r.code == 0 and not r.traceback, (r.out, r.err[-2000:])
    assert "3 usable, 2 left out" in r.out + r.err  # one of the four pictures is held out for validation
    assert r.peak_mb < 2000, r.peak_mb  # the 3 GiB member was never read


def test_resume_with_another_architecture_or_scale_is_one_line(tmp_path):
    hr = images(tmp_path / "hr")
    assert run(tmp_path, hr=hr).exit_code == 0
    for extra in (["--arch", "span"], ["--scale", "4"]):
        r = run(tmp_path, "--resume", *extra, hr=hr)
        assert r.exit_code == 2 and "Traceback" not in r.output and "another network" in r.output, r.output


@pytest.mark.parametrize("content", [[1, 2, 3], {"format": 1, "stage": "psnr", "step": "many"}, {"format": 1, "stage": "psnr", "step": -5}])
def test_a_checkpoint_that_is_not_one_is_one_line(tmp_path, content):
    hr = images(tmp_path / "hr")
    (tmp_path / "w").mkdir()
    torch.save(content, tmp_path / "w" / "t.ckpt")
    r = run(tmp_path, "--resume", hr=hr)
    assert r.exit_code == 2 and "Traceback" not in r.output and "checkpoint" in r.output, r.output


def test_a_card_nested_too_deep_is_refused(tmp_path):
    card = tmp_path / "card.yaml"
    card.write_text("a: " + "[" * 100000 + "]" * 100000 + "\n")
    r = run(tmp_path, "--card", str(card))
    assert r.exit_code != 0 and "Traceback" not in r.output and "card.yaml" in r.output
