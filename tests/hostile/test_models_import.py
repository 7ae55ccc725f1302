"""`texpack models import` of ncnn pairs from model sites: every broken pair is one line and
exit 2, never a traceback; a good small Compact pair still imports."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from ..ncnn_writer import srvgg_to_ncnn
from ..reference_archs import SRVGGNetCompact
from .run import texpack

HEAD = "7767517\n3 3\nInput data 0 1 data\n"


def conv(out_ch: object = 3, k: object = 3, n: object = 81, name: str = "c") -> str:
    return f"Convolution {name} 1 1 data o 0={out_ch} 1={k} 4=1 5=1 6={n}\n"


def weights(n: int) -> bytes:
    return struct.pack("<I", 0) + bytes(4 * n) + bytes(4 * 3)


CASES = {
    "out channels 0": (HEAD + conv(out_ch=0), weights(81)),
    "kernel 0": (HEAD + conv(k=0), weights(81)),
    "absurd weight count": (HEAD + conv(n=10**15), weights(81)),
    "negative weight count": (HEAD + conv(n=-81), weights(81)),
    "weights not a multiple": (HEAD + conv(n=80), weights(80)),
    "non-numeric value": (HEAD + conv(out_ch="three"), weights(81)),
    "non-numeric key": (HEAD + "Convolution c 1 1 data o x=3 1=3 6=81\n", weights(81)),
    "non-numeric counts": (HEAD + "Convolution c one 1 data o 0=3\n", weights(81)),
    "no convolution": (HEAD + "Sigmoid s 1 1 data o\n", b""),
    "bin too short": (HEAD + conv(), weights(10)),
    "bin too long": (HEAD + conv(), weights(81) + bytes(64)),
    "unknown weight tag": (HEAD + conv(), struct.pack("<I", 0x12345678) + bytes(4 * 84)),
    "not ncnn at all": ("hello\n", b""),
    "empty": ("", b""),
    "PReLU count absurd": (HEAD + conv() + "PReLU p 1 1 o q 0=999999999\n", weights(81)),
    "MemoryData negative": (HEAD + "MemoryData m 0 1 m 0=-1 1=1 2=3\n" + conv(), weights(81)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_ncnn_pair_is_one_line(tmp_path, case):
    param, data = CASES[case]
    (tmp_path / "m.param").write_text(param)
    (tmp_path / "m.bin").write_bytes(data)
    r = texpack("models", "import", tmp_path / "m.param", tmp_path / "m.bin", "--to", tmp_path / "models", cap=None)
    assert r.code == 2 and not r.traceback, (r.out, r.err[-1500:])
    assert len((r.out + r.err).strip().splitlines()) == 1
    assert not list((tmp_path / "models").glob("*.safetensors")) if (tmp_path / "models").exists() else True


def test_a_param_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "m.param").write_bytes(b"7767517\n1 1\nInput \xff\xfe 0 1 data\n")
    (tmp_path / "m.bin").write_bytes(b"")
    r = texpack("models", "import", tmp_path / "m.param", tmp_path / "m.bin", "--to", tmp_path / "models", cap=None)
    assert r.code == 2 and not r.traceback and "m.param" in r.out + r.err


def test_a_good_compact_pair_still_imports(tmp_path):
    import torch

    torch.manual_seed(0)
    net = SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2)
    param, data = srvgg_to_ncnn(net, fp16=True)
    Path(tmp_path / "m.param").write_text(param)
    Path(tmp_path / "m.bin").write_bytes(data)
    r = texpack("models", "import", tmp_path / "m.param", tmp_path / "m.bin", "--to", tmp_path / "models", cap=None)
    assert r.code == 0, r.out + r.err
    assert (tmp_path / "models" / "m.safetensors").is_file()
