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
