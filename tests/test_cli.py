import json
import subprocess
import sys

import click
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


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


def test_every_command_has_help(run):
    seen = []
    for path, cmd in _commands(main):
        r = run(*path, "--help")
        assert r.exit_code == 0 and "Usage" in r.output, path
        assert cmd.help and len(cmd.help.split()) >= 4, f"{' '.join(path)} needs a real help text"
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{' '.join(path)} {p.opts[0]} has no help"
        seen.append(" ".join(path))
    assert {"build", "watch", "scan", "check", "train", "extract", "models info"} <= set(seen)


@pytest.mark.parametrize("args", [["--help"], ["scan", str(EXAMPLES / "duckstation")], ["check", str(EXAMPLES)], ["profile", "schema"], ["models", "list"]])
def test_light_commands_never_import_pytorch(args, tmp_path):
    """--help, scan, check, profile and models list answer without loading PyTorch."""
    code = "import sys; from texpack.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit: pass\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-500:]


def test_build_all_examples(run, tmp_path):
    r = run("build", EXAMPLES, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert "duckstation pack for 'SLUS-99999'" in r.output and "gliden64 pack" in r.output and "rice pack" in r.output
    report = json.loads((tmp_path / "texpack-report.json").read_text())
    assert {r["target"] for r in report["reports"]} == {"gliden64", "rice", "duckstation"}
    again = run("build", EXAMPLES, "--out", tmp_path)
    assert again.exit_code == 0 and "built" not in again.output.split("pack:")[0]


def test_dry_run_writes_nothing_and_builds_no_network(run, tmp_path):
    from texpack.build import build
    from texpack.engine.pool import EnginePool

    from .conftest import build_request

    r = run("build", EXAMPLES / "duckstation", "--out", tmp_path / "p", "--dry-run")
    assert r.exit_code == 0 and not (tmp_path / "p").exists()
    assert "19 built" in r.output  # every texture planned, with the bundled model
    pool = EnginePool()
    reports = build(build_request(EXAMPLES, tmp_path / "p", dry_run=True), pool=pool)
    assert pool.built == 0 and sum(len(r.outcomes) for r in reports) > 40


def test_unchanged_rebuild_builds_no_network(tmp_path):
    from texpack.build import build
    from texpack.engine.pool import EnginePool

    from .conftest import build_request

    first = EnginePool()
    build(build_request(EXAMPLES / "gliden64", tmp_path), pool=first)
    assert first.built == 1  # the bundled model, once for the whole build
    again = EnginePool()
    (r,) = build(build_request(EXAMPLES / "gliden64", tmp_path), pool=again)
    assert again.built == 0 and r.counts()["up-to-date"] == 20


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
