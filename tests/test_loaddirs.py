from pathlib import Path

import pytest

from texpack import loaddirs
from texpack.emulators import DumpRoot


def test_into_accepts_the_data_folder_or_the_pack_folder(tmp_path):
    root = DumpRoot("gliden64", "GAME", tmp_path / "texture_dump" / "GAME" / "GLideNHQ")
    assert loaddirs.output_root(root, "gliden64", tmp_path / "m64p")[0] == tmp_path / "m64p"
    assert loaddirs.output_root(root, "gliden64", tmp_path / "m64p" / "hires_texture")[0] == tmp_path / "m64p"
    assert loaddirs.output_root(root, "duckstation", tmp_path / "ds" / "textures")[0] == tmp_path / "ds"


def test_duckstation_writes_beside_its_dumps(tmp_path):
    root = DumpRoot("duckstation", "SLUS-00594", tmp_path / "data" / "textures" / "SLUS-00594" / "dumps")
    out, why = loaddirs.output_root(root, "duckstation", None)
    assert out == tmp_path / "data" and "beside" in why


def test_default_data_folders(monkeypatch, tmp_path):
    monkeypatch.setattr(loaddirs.os, "name", "posix")
    monkeypatch.setattr(loaddirs.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert loaddirs.mupen64plus_data_dir() == tmp_path / "share" / "mupen64plus"
    assert loaddirs.duckstation_data_dir() == tmp_path / "config" / "duckstation"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert loaddirs.duckstation_data_dir() == Path.home() / ".local" / "share" / "duckstation"
    root = DumpRoot("gliden64", "GAME", tmp_path / "anywhere")
    out, why = loaddirs.output_root(root, "gliden64", None)
    assert out == tmp_path / "share" / "mupen64plus" and "mupen64plus" in why


@pytest.mark.parametrize("platform,expect", [("darwin", "Library/Application Support/DuckStation")])
def test_macos_folder(monkeypatch, platform, expect):
    monkeypatch.setattr(loaddirs.os, "name", "posix")
    monkeypatch.setattr(loaddirs.sys, "platform", platform)
    assert str(loaddirs.duckstation_data_dir()).endswith(expect)
