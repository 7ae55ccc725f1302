from pathlib import Path

import pytest

from texpack.emulators import DumpRoot
from texpack.frontends import output_root
from texpack.targets import duckstation, get_target, n64

GL, DS = get_target("gliden64"), get_target("duckstation")


def test_into_accepts_the_data_folder_or_the_pack_folder(tmp_path):
    root = DumpRoot("gliden64", "GAME", tmp_path / "texture_dump" / "GAME" / "GLideNHQ")
    assert output_root(root, GL, tmp_path / "m64p")[0] == tmp_path / "m64p"
    assert output_root(root, GL, tmp_path / "m64p" / "hires_texture")[0] == tmp_path / "m64p"
    assert output_root(root, DS, tmp_path / "ds" / "textures")[0] == tmp_path / "ds"


def test_duckstation_writes_beside_its_dumps(tmp_path):
    root = DumpRoot("duckstation", "SLUS-00594", tmp_path / "data" / "textures" / "SLUS-00594" / "dumps")
    out, why = output_root(root, DS, None)
    assert out == tmp_path / "data" and "beside" in why


def test_default_data_folders(monkeypatch, tmp_path):
    for mod in (n64, duckstation):
        monkeypatch.setattr(mod.os, "name", "posix")
        monkeypatch.setattr(mod.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert n64.mupen64plus_data_dir() == tmp_path / "share" / "mupen64plus"
    assert duckstation.duckstation_data_dir() == tmp_path / "config" / "duckstation"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert duckstation.duckstation_data_dir() == Path.home() / ".local" / "share" / "duckstation"
    root = DumpRoot("gliden64", "GAME", tmp_path / "anywhere")
    out, why = output_root(root, GL, None)
    assert out == tmp_path / "share" / "mupen64plus" and "mupen64plus" in why


@pytest.mark.parametrize("platform,expect", [("darwin", "Library/Application Support/DuckStation")])
def test_macos_folder(monkeypatch, platform, expect):
    monkeypatch.setattr(duckstation.os, "name", "posix")
    monkeypatch.setattr(duckstation.sys, "platform", platform)
    assert str(duckstation.duckstation_data_dir()).endswith(expect)
