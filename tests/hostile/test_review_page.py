"""The review page over a stranger's pack: markup in a report, a rule name, a file name or a
profile comment renders as text and runs nothing; the server answers hostile requests
with 4xx, serves no page of its own origin from the pack, and saves no rule a build refuses."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from starlette.testclient import TestClient

from texpack.emulators import find_dump_roots
from texpack.imageio import MAX_FILE_BYTES
from texpack.review.server import Server, make_app
from texpack.review.service import ReviewService
from texpack.session import GameOptions

from ..conftest import EXAMPLES, run_build
from ..test_review import PORT, browser, cells, click_cell, driver, get, post, wait  # noqa: F401 - driver is a fixture

# Each would set window.__pwned if it ever ran as markup or script.
PAYLOAD = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">'
GAME = f"EVIL {PAYLOAD}"


@pytest.fixture
def hostile(tmp_path):
    """A GLideN64 dump and pack whose game name, file names, report and profile all carry markup."""
    src = EXAMPLES / "gliden64" / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
    dump = tmp_path / "texture_dump" / GAME / "GLideNHQ"
    dump.mkdir(parents=True)
    for p in sorted(src.iterdir())[:4]:
        shutil.copy(p, dump / p.name.replace("TEXPACK DEMO", GAME))
    pack = tmp_path / "pack"
    run_build(tmp_path / "texture_dump", pack, model="nearest")
    report = pack / "texpack-report.json"
    data = json.loads(report.read_text())
    for o in data["reports"][0]["outcomes"]:
        o["status"], o["reason"] = f"failed {PAYLOAD}", f"<script>window.__pwned=99</script>{PAYLOAD}"
    report.write_text(json.dumps(data))
    profile = tmp_path / "evil.yaml"
    profile.write_text(f"# {PAYLOAD} a comment\nextends: defaults/gliden64\nmodel: nearest\n"
                       f"rules:\n  - name: '{PAYLOAD} rule'\n    match: {{format: [RGBA16, RGBA32, CI8, IA8, IA16, I8, CI4, IA4, I4]}}\n    seam: wrap\n")
    svc = ReviewService(find_dump_roots(tmp_path / "texture_dump")[0], pack, GameOptions(), profile)
    return svc, tmp_path


@browser
def test_markup_from_a_pack_renders_as_text_and_runs_nothing(hostile, driver):  # noqa: F811
    from selenium.webdriver.common.by import By

    svc, _ = hostile
    server = Server(svc)
    server.start()
    try:
        driver.get(server.url)
        assert "t=" not in driver.current_url  # the token left the address bar
        wait(lambda: len(cells(driver)) == 4)
        rid = cells(driver)[0]["id"]
        click_cell(driver, rid)
        wait(lambda: PAYLOAD in driver.find_element(By.ID, "d-settings").text)
        text = driver.find_element(By.TAG_NAME, "body").text
        assert f"failed {PAYLOAD}" in text and f"{PAYLOAD} rule" in text and GAME in text
        assert "<script>window.__pwned=99</script>" in driver.find_element(By.ID, "d-settings").text
        for view in ("slider", "3x3 tiled", "side by side"):
            from selenium.webdriver.support.ui import Select

            Select(driver.find_element(By.ID, "d-view")).select_by_visible_text(view)
        assert driver.execute_script("return document.querySelectorAll('#grid img[src=\"x\"], #side img[src=\"x\"], script:not([src])').length") == 0
        assert driver.execute_script("return window.__pwned") is None
    finally:
        server.shutdown()


@pytest.fixture
def client(hostile):
    svc, tmp = hostile
    return svc, TestClient(make_app(svc, "secret", PORT), base_url=f"http://127.0.0.1:{PORT}"), tmp


def test_pages_from_the_pack_are_downloads_not_pages_of_the_origin(client):
    svc, c, tmp = client
    (tmp / "pack" / "notes.html").write_text("<script>fetch('/api/rules')</script>")
    (tmp / "pack" / "fake.png.html").write_text("<script>1</script>")
    for name in ("notes.html", "fake.png.html"):
        r = get(c, "/file", root="pack", path=name)
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        assert r.headers["content-disposition"] == "attachment" and r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("body,code", [
    (b"[1, 2]", 400), (b'"a string"', 400), (b"{not json", 400), (b'{"ids": "0", "set": {}}', 400),
    (b'{"ids": ["x"], "set": []}', 400), (b"[" * 100000 + b"]" * 100000, 400), (b" " * (2 << 20), 413),
])
def test_request_bodies_that_are_not_a_small_json_object_get_4xx(client, body, code):
    _, c, _ = client
    r = c.post("/api/rules", content=body, headers={"X-Texpack-Token": "secret", "Origin": f"http://127.0.0.1:{PORT}", "Content-Type": "application/json"})
    assert r.status_code == code, r.text


def test_links_that_loop_and_names_too_long_are_refused_not_500(client):
    svc, c, tmp = client
    loop = tmp / "pack" / "loop.png"
    loop.symlink_to(loop)
    assert get(c, "/file", root="pack", path="loop.png").status_code == 403
    assert get(c, "/file", root="pack", path="x" * 300 + ".png").status_code == 403
    assert get(c, "/file", root="pack", path="/".join(["d"] * 2000)).status_code == 403


@pytest.mark.parametrize("report", [b"[]", b'{"reports": "x"}', b'{"reports": [{"game": 1, "outcomes": {}}]}', b"\xff\xfe", b"[" * 100000])
def test_a_malformed_report_leaves_the_page_working(client, report):
    svc, c, tmp = client
    (tmp / "pack" / "texpack-report.json").write_bytes(report)
    svc.refresh()
    r = get(c, "/api/rows")
    assert r.status_code == 200 and len(r.json()["rows"]) == 4


def test_a_report_that_is_a_link_or_a_fifo_is_not_read(client):
    svc, c, tmp = client
    rep = tmp / "pack" / "texpack-report.json"
    rep.unlink()
    os.mkfifo(rep)  # reading it would block the page for good
    svc.refresh()
    assert get(c, "/api/rows").status_code == 200
    rep.unlink()
    rep.symlink_to("/dev/zero")
    svc.refresh()
    assert get(c, "/api/rows").status_code == 200


def test_mark_seen_never_writes_through_a_planted_link(client):
    svc, c, tmp = client
    victim = tmp / "my-notes.txt"
    victim.write_text("precious")
    seen = tmp / "pack" / ".texpack" / f"review-seen-{svc.root.game}"
    seen.parent.mkdir(exist_ok=True)
    seen.symlink_to(victim)
    assert post(c, "/api/seen").status_code == 200
    assert victim.read_text() == "precious" and not seen.is_symlink()


@pytest.mark.parametrize("name", ["\ud800", "a\x00b", "x" * 201])
def test_a_rule_name_that_is_not_text_is_refused_and_the_page_keeps_loading(client, name):
    svc, c, _ = client
    before = svc.editor.path.read_text()
    body = json.dumps({"name": name, "ids": [svc.rows[0].id], "set": {"seam": "clamp"}})  # \ud800 travels as an escape, valid JSON
    r = c.post("/api/rules", content=body, headers={"X-Texpack-Token": "secret", "Origin": f"http://127.0.0.1:{PORT}"})
    assert r.status_code == 400 and "rule name" in r.json()["error"]
    assert svc.editor.path.read_text() == before
    assert get(c, "/api/rows").status_code == 200


def test_a_profile_holding_a_lone_surrogate_still_loads_in_the_page(client):
    svc, c, tmp = client
    # a profile edited elsewhere, whose rule name is a lone surrogate written as a YAML escape
    svc.editor.path.write_text('extends: defaults/gliden64\nmodel: nearest\nrules:\n  - name: "odd \\udcff name"\n'
                               '    match: {format: [RGBA16]}\n    seam: wrap\n')
    svc.refresh()
    r = get(c, "/api/rows")
    assert r.status_code == 200


@pytest.mark.parametrize("settings,words", [
    ({"model": "../../../../etc/passwd"}, "model"), ({"model": "no-such-model"}, "model"), ({"scale": 3}, "power of two"),
])
def test_a_rule_a_build_would_refuse_is_not_saved(hostile, settings, words, tmp_path):
    svc, tmp = hostile
    if "scale" in settings:  # Rice loads only power-of-two scales
        from texpack.emulators import find_dump_roots as roots

        rice = tmp / "rice"
        shutil.copytree(EXAMPLES / "rice", rice)
        (tmp / "rice.yaml").write_text("extends: defaults/rice\nmodel: nearest\nrules: []\n")
        svc = ReviewService(roots(rice)[0], tmp / "rice-pack", GameOptions(target="rice"), tmp / "rice.yaml")
    c = TestClient(make_app(svc, "secret", PORT), base_url=f"http://127.0.0.1:{PORT}")
    before = svc.editor.path.read_text() if svc.editor.path.is_file() else None
    r = post(c, "/api/rules", {"name": "try", "ids": [svc.rows[0].id], "set": settings})
    assert r.status_code == 400 and words in r.json()["error"], r.json()
    assert (svc.editor.path.read_text() if svc.editor.path.is_file() else None) == before


def test_a_killed_profile_write_backs_temp_file_is_removed_on_the_next_save(client):
    from texpack.atomic import TMP_PREFIX

    svc, c, _ = client
    folder = svc.editor.path.parent
    dead = folder / f"{TMP_PREFIX}999999999-0badf00d"  # a write-back killed with -9: its pid is gone
    dead.write_text("half a profile")
    r = post(c, "/api/rules", {"name": "after a crash", "ids": [svc.rows[0].id], "set": {"seam": "clamp"}})
    assert r.status_code == 200, r.text
    assert not dead.exists()


def test_a_huge_or_non_picture_pack_file_is_refused_not_read_whole(client):
    svc, c, tmp = client
    big = tmp / "pack" / "huge.png"
    with open(big, "wb") as f:  # sparse: larger than any texture the page may read
        f.truncate(MAX_FILE_BYTES + 10)
    assert get(c, "/file", root="pack", path="huge.png").status_code == 404
    bomb = tmp / "pack" / "bomb.png"
    from texpack.imageio import encode_png as enc

    bomb.write_bytes(enc(np.zeros((8, 8, 4), np.uint8))[:16] + b"\xff" * 40)  # a PNG header and then garbage
    row = svc.rows[0]
    row.output = "bomb.png"
    assert get(c, "/api/thumb", key=row.id, which="out", size=32).status_code == 404


def test_a_profile_that_is_a_fifo_is_a_clear_error_not_a_hang(client):
    svc, c, _ = client
    path = svc.editor.path
    path.unlink()
    os.mkfifo(path)
    r = post(c, "/api/rules", {"name": "x", "ids": [svc.rows[0].id], "set": {"seam": "clamp"}})
    assert r.status_code == 400 and ("cannot read" in r.json()["error"] or "not found" in r.json()["error"])
