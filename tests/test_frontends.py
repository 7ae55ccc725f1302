from pathlib import Path

import pytest

from texpack import platform_dirs
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
    monkeypatch.setattr(platform_dirs.os, "name", "posix")
    monkeypatch.setattr(platform_dirs.sys, "platform", "linux")
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
    monkeypatch.setattr(platform_dirs.os, "name", "posix")
    monkeypatch.setattr(platform_dirs.sys, "platform", platform)
    assert str(duckstation.duckstation_data_dir()).endswith(expect)


# -- the front-end finder -----------------------------------------------------------------

from texpack.frontends import find_load_dir  # noqa: E402


@pytest.fixture
def linux_home(monkeypatch, tmp_path):
    monkeypatch.setattr(platform_dirs.os, "name", "posix")
    monkeypatch.setattr(platform_dirs.sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    "dump,want",
    [
        (".cache/RMG/texture_dump/GAME/GLideNHQ", ".local/share/RMG"),  # GLideN64 dumps into the cache folder
        (".cache/mupen64plus/texture_dump/GAME/GLideNHQ", ".local/share/mupen64plus"),
        (".config/retroarch/system/Mupen64plus/texture_dump/GAME/GLideNHQ", ".config/retroarch/system/Mupen64plus"),
        (".var/app/com.github.Rosalie241.RMG/cache/RMG/texture_dump/GAME/GLideNHQ", ".var/app/com.github.Rosalie241.RMG/data/RMG"),
    ],
)
def test_the_dump_folder_tells_the_front_end(linux_home, dump, want):
    root = DumpRoot("gliden64", "GAME", linux_home / dump)
    out, why = find_load_dir(root, GL)
    assert out == linux_home / want and "data folder" in why


def test_an_installed_front_end_is_found_when_the_dump_does_not_tell(linux_home):
    (linux_home / ".local/share/RMG").mkdir(parents=True)
    out, why = find_load_dir(DumpRoot("gliden64", "GAME", linux_home / "elsewhere"), GL)
    assert out == linux_home / ".local/share/RMG" and "RMG" in why


# -- install ----------------------------------------------------------------------------

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from texpack.imageio import encode_png  # noqa: E402
from texpack.install import install, windows_problem  # noqa: E402

from .conftest import EXAMPLES, run_build  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    run_build(EXAMPLES, out, model="nearest", zip_dir=out / "dist")
    return out


def test_install_a_folder_then_again(built, tmp_path):
    rep = install(built, tmp_path / "emu")
    assert rep.added and not rep.kept and not rep.failed
    again = install(built, tmp_path / "emu")
    assert not again.added and len(again.unchanged) == len(rep.added)


def test_install_keeps_the_users_files_and_settings(built, tmp_path):
    emu = tmp_path / "emu"
    game = emu / "hires_texture" / "TEXPACK DEMO"
    game.mkdir(parents=True)
    mine = next((built / "hires_texture" / "TEXPACK DEMO").iterdir()).name
    (game / mine).write_bytes(encode_png(np.zeros((4, 4, 4), np.uint8)))  # the user's own version
    cfg = emu / "textures" / "SLUS-99999" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    user_alias = "texupload-C16-00000000000000AA-256x256-0-0-16x16"
    cfg.write_text(f"# mine\nReplacementScaleLinearFilter: true\nAliases:\n  {user_alias}: mine.png\n")
    rep = install(built, emu)
    assert any(mine in k for k, _ in rep.kept)
    assert (game / mine).read_bytes() == encode_png(np.zeros((4, 4, 4), np.uint8))
    data = yaml.safe_load(cfg.read_text())
    assert data["ReplacementScaleLinearFilter"] is True and data["Aliases"][user_alias] == "mine.png"
    assert len(data["Aliases"]) > 1 and "# mine" in cfg.read_text()
    rep = install(built, emu, overwrite=True)
    assert any(mine in r for r in rep.replaced)


def test_install_from_the_distributable_zips(built, tmp_path):
    for z in sorted((built / "dist").glob("*.zip")):
        rep = install(z, tmp_path / "emu")
        assert rep.added and not rep.failed, z.name
    assert (tmp_path / "emu" / "textures" / "SLUS-99999" / "config.yaml").is_file()
    assert list((tmp_path / "emu" / "hires_texture" / "TEXPACK DEMO").glob("*.png"))


def test_windows_rules(tmp_path):
    assert windows_problem("hires_texture/G/CON.png") and windows_problem("hires_texture/G/a:b.png")
    assert windows_problem("hires_texture/G/x.png ") and windows_problem("hires_texture/G/com1.txt")
    assert windows_problem("hires_texture/G/G#12345678#0#2_all.png") is None
    pack = tmp_path / "pack" / "hires_texture" / "G"
    pack.mkdir(parents=True)
    (pack / "G#ABCDEF01#0#2_all.png").write_bytes(b"pack")
    (pack / "NUL.png").write_bytes(b"x")
    emu = tmp_path / "emu" / "hires_texture" / "G"
    emu.mkdir(parents=True)
    (emu / "g#abcdef01#0#2_all.png").write_bytes(b"user")  # one file on Windows
    rep = install(tmp_path / "pack", tmp_path / "emu")
    assert [k for k, _ in rep.kept] == ["hires_texture/G/G#ABCDEF01#0#2_all.png"]
    assert [k for k, _ in rep.failed] == ["hires_texture/G/NUL.png"]


def test_a_file_held_by_the_emulator_is_reported(built, tmp_path, monkeypatch):
    import texpack.atomic

    def busy(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(texpack.atomic.os, "replace", busy)
    rep = install(built, tmp_path / "emu")
    assert rep.failed and all("in use" in why for _, why in rep.failed if not why.startswith("cannot merge"))
    assert not [p for p in (tmp_path / "emu").rglob("*") if p.is_file() and p.name.startswith(".texpack-tmp")]


def test_install_of_a_mixed_pack_puts_each_family_into_its_emulators_folder(built, linux_home):
    from click.testing import CliRunner

    from texpack.cli import main

    (linux_home / ".local/share/mupen64plus").mkdir(parents=True)
    (linux_home / ".local/share/duckstation").mkdir(parents=True)
    r = CliRunner().invoke(main, ["install", str(built)])
    assert r.exit_code == 0, r.output
    assert "installing hires_texture/ into" in r.output and "installing textures/ into" in r.output
    assert any((linux_home / ".local/share/mupen64plus/hires_texture").rglob("*.png"))
    assert any((linux_home / ".local/share/duckstation/textures").rglob("*.png"))
    assert not (linux_home / ".local/share/mupen64plus/textures").exists()  # nothing crosses over
