"""Every format note the code cites exists in the repository, under the heading it names."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITE = re.compile(r'docs/formats/([a-z0-9]+\.md) "([^"]+)"')


def test_cited_format_notes_exist():
    cited = set()
    for py in list((ROOT / "texpack").rglob("*.py")) + list((ROOT / "examples").glob("*.py")):
        for m in CITE.finditer(py.read_text(encoding="utf-8")):
            cited.add((m[1], m[2], py.relative_to(ROOT).as_posix()))
    assert len(cited) > 10
    for doc, heading, where in sorted(cited):
        text = (ROOT / "docs" / "formats" / doc).read_text(encoding="utf-8")
        assert re.search(rf"^#+ {re.escape(heading)}$", text, re.M), f"{where} cites {doc} \"{heading}\", which has no such heading"


def test_no_references_to_documents_outside_the_repository():
    for py in (ROOT / "texpack").rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        assert "specs/" not in text and "DESIGN.md" not in text and "§" not in text.replace("arXiv:1809.00219, §", ""), py


def test_the_readme_path_from_dumps_to_installed_packs_works_as_written(tmp_path):
    """The quick start's build command and the path's install step, exactly as README gives
    them, on a machine where mupen64plus and DuckStation have run once (their data folders exist)."""
    import os
    import shutil
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    build = re.search(r"^python -m pip install \. && (texpack build examples --out pack)$", readme, re.M)
    install = re.search(r"\*\*Install\*\*: `(texpack install mypack)`", readme)
    assert build and install, "README no longer shows the quick start's build or the install step"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    home = tmp_path / "home"
    (home / ".local/share/mupen64plus").mkdir(parents=True)
    (home / ".local/share/duckstation").mkdir(parents=True)
    env = {**os.environ, "HOME": str(home)}
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env.pop(var, None)

    def texpack(line: str) -> str:
        p = subprocess.run([sys.executable, "-m", "texpack", *line.split()[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    out = texpack(build[1])
    assert "gliden64 pack" in out and "rice pack" in out and "duckstation pack" in out
    out = texpack(install[1].replace("mypack", "pack"))
    assert "mupen64plus" in out and "duckstation" in out
    assert any((home / ".local/share/mupen64plus/hires_texture").rglob("*.png"))
    assert any((home / ".local/share/duckstation/textures").rglob("*.png"))
