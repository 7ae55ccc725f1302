"""`texpack models average`: the mean of models trained from one start, as a model of its own."""

import pytest
import torch
import yaml
from click.testing import CliRunner

from texpack.cli import main
from texpack.errors import ModelError
from texpack.models import find_model
from texpack.models.average import average_models, mean_state
from texpack.models.load import load_model
from texpack.models.safeload import read_state_dict
from texpack.models.store import write_model
from texpack.train.generator import export_state, new_generator


def _model(folder, name, arch="compact", scale=2, seed=0):
    torch.manual_seed(seed)
    sd = export_state(new_generator(arch, scale).state_dict())
    card = {"arch": arch, "license": "CC0-1.0", "data": [{"name": "generated", "license": "CC0-1.0"}],
            "training": {"steps": 100 + seed}, "validation": {"table": [{"psnr": 30.0 + seed}]}}
    return write_model(folder, name, sd, card)


def test_the_mean_is_element_wise_and_loads_as_a_model(tmp_path):
    a, b = _model(tmp_path, "a", seed=1), _model(tmp_path, "b", seed=2)
    out = average_models([str(a), str(b)], tmp_path / "out", "ab")
    sa, sb, sm = read_state_dict(a), read_state_dict(b), read_state_dict(out)
    assert sa.keys() == sm.keys()
    for k in sa:
        want = ((sa[k].float() + sb[k].float()) / 2).half()
        assert torch.allclose(sm[k].float(), want.float(), atol=1e-3), k
    card = yaml.safe_load(out.with_suffix(".yaml").read_text())
    assert [f["file"] for f in card["averaged_from"]] == ["a.safetensors", "b.safetensors"]
    assert card["license"] == "CC0-1.0" and card["data"][0]["name"] == "generated"
    assert "validation" not in card and "training" not in card  # one input's run says nothing of the mean
    m = load_model(find_model(str(out)))
    assert m.scale == 2 and m.sha256 == card["sha256"]
    with torch.no_grad():
        assert m.module(torch.rand(1, 3, 8, 8)).shape == (1, 3, 16, 16)


def test_averaging_a_model_with_itself_gives_it_back(tmp_path):
    a = _model(tmp_path, "a", seed=3)
    out = average_models([str(a), str(a)], tmp_path / "out", "aa")
    sa, sm = read_state_dict(a), read_state_dict(out)
    assert all(torch.equal(sa[k], sm[k]) for k in sa)


@pytest.mark.parametrize(
    "second, message",
    [
        (dict(scale=4), "cannot be averaged with a.safetensors: "),  # same keys, other shapes
        (dict(arch="span", scale=2), "their tensors differ"),
    ],
)
def test_models_that_do_not_match_are_refused(tmp_path, second, message):
    a = _model(tmp_path, "a")
    b = _model(tmp_path, "b", **second)
    with pytest.raises(ModelError, match=message):
        average_models([str(a), str(b)], tmp_path / "out", "ab")
    assert not (tmp_path / "out" / "ab.safetensors").exists()


def test_one_model_and_a_file_that_is_not_its_card_are_refused(tmp_path):
    a, b = _model(tmp_path, "a"), _model(tmp_path, "b", seed=1)
    with pytest.raises(ModelError, match="at least two"):
        mean_state([read_state_dict(a)], ["a"])
    raw = bytearray(b.read_bytes())
    raw[-2:] = b"\x00\x3c"  # one weight changed: the card's sha256 no longer holds
    b.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="does not match its model card"):
        average_models([str(a), str(b)], tmp_path / "out", "ab")


def test_cli_average_and_its_one_line_errors(tmp_path):
    a, b = _model(tmp_path, "a", seed=1), _model(tmp_path, "b", seed=2)
    res = CliRunner().invoke(main, ["models", "average", str(a), str(b), "--name", "ab", "--to", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "ab.safetensors").is_file() and "averaged 2 models" in res.output
    for args, message in [([str(a), "nosuchmodel"], "not found"), ([str(a), str(b), "--name", "../x"], "model name")]:
        argv = ["models", "average", *args] + ([] if "--name" in args else ["--name", "x"]) + ["--to", str(tmp_path / "m")]
        bad = CliRunner().invoke(main, argv)
        assert bad.exit_code != 0 and message in bad.output and "Traceback" not in bad.output
