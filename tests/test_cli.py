import json

import pytest
from click.testing import CliRunner

from texpack.cli import main

from .conftest import EXAMPLES


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_every_command_has_help(run):
    cmds = {"build": None, "scan": None, "check": None, "profile": ["check", "schema"], "models": ["list", "info", "install", "import"], "watch": None}
    for cmd, subs in cmds.items():
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Usage" in r.output
        for sub in subs or []:
            r = run(cmd, sub, "--help")
            assert r.exit_code == 0 and len(r.output.splitlines()) > 3


def test_build_all_examples(run, tmp_path):
    r = run("build", EXAMPLES, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert "duckstation pack for 'SLUS-99999'" in r.output and "gliden64 pack" in r.output and "rice pack" in r.output
    report = json.loads((tmp_path / "texpack-report.json").read_text())
    assert {r["target"] for r in report["reports"]} == {"gliden64", "rice", "duckstation"}
    again = run("build", EXAMPLES, "--out", tmp_path)
    assert again.exit_code == 0 and "built" not in again.output.split("pack:")[0]


def test_dry_run_writes_nothing(run, tmp_path):
    r = run("build", EXAMPLES / "duckstation", "--out", tmp_path / "p", "--dry-run")
    assert r.exit_code == 0 and not (tmp_path / "p").exists()


def test_scan_reports_groups_and_duplicates(run):
    r = run("scan", EXAMPLES / "duckstation", "--json")
    data = json.loads(r.output)[0]
    assert data["emulator"] == "duckstation" and data["textures"] == 19
    assert len(data["duplicates"]) == 2 and data["duplicate_pixels_saved"] > 0
    text = run("scan", EXAMPLES / "gliden64").output
    assert "RGBA16" in text and "identical pixels" in text


def test_profile_check_and_schema(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scale: 2\nrules:\n  - match: {with: 4}\n")
    r = run("profile", "check", bad)
    assert r.exit_code == 2 and "rules[0].match.with: unknown key" in r.output and "(line 3)" in r.output
    good = run("profile", "check", "profiles/duckstation/SLUS-99999.yaml")
    assert good.exit_code == 0 and "ok" in good.output
    schema = json.loads(run("profile", "schema").output)
    assert "rules" in schema["properties"]


def test_models_list_and_info(run):
    r = run("models", "list")
    assert "realesr-animevideov3-x4" in r.output and "bundled" in r.output
    info = run("models", "info", "realesr-animevideov3-x4")
    assert info.exit_code == 0 and "arch: Compact (RealESRGAN Compact)" in info.output and "- bf16" in info.output and "BSD-3-Clause" in info.output
    missing = run("models", "info", "nope")
    assert missing.exit_code == 2 and "not found" in missing.output


def test_bad_folder_is_usage_error(run, tmp_path):
    r = run("build", tmp_path, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "pass --emulator" in r.output
