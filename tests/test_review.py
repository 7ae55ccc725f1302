"""texpack review: the API behind the page (listing, filtering, rules, refusals) and, in a
real headless browser, the whole round from looking to a rebuilt texture."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from texpack.emulators import find_dump_roots
from texpack.review.server import Server, make_app
from texpack.review.service import ReviewService
from texpack.session import GameOptions

from .conftest import EXAMPLES, ROOT, run_build
from .waiting import eventually

PORT = 8765


@pytest.fixture
def setup(tmp_path):
    dump = tmp_path / "dump"
    shutil.copytree(EXAMPLES / "gliden64", dump)
    run_build(dump, tmp_path / "pack", model="nearest")
    profile = tmp_path / "tuned.yaml"
    profile.write_text("# my notes about this game\nextends: defaults/gliden64  # keep the defaults\nmodel: nearest\nrules: []\n")
    svc = ReviewService(find_dump_roots(dump)[0], tmp_path / "pack", GameOptions(), profile)
    client = TestClient(make_app(svc, "secret", PORT), base_url=f"http://127.0.0.1:{PORT}")
    return svc, client, profile, tmp_path


def get(client, url, **params):
    return client.get(url, params=params, headers={"X-Texpack-Token": "secret"})


def post(client, path, body=None, origin=f"http://127.0.0.1:{PORT}", token="secret"):
    headers = {"X-Texpack-Token": token} if token else {}
    if origin:
        headers["Origin"] = origin
    return client.post(path, json=body or {}, headers=headers)


def wait_idle(svc, timeout=60):
    assert eventually(lambda: not svc.busy, timeout)


def test_every_request_needs_the_token_and_the_right_host(setup):
    svc, client, _, _ = setup
    assert client.get("/api/rows").status_code == 403
    assert client.get("/api/rows", headers={"X-Texpack-Token": "wrong"}).status_code == 403
    assert client.get("/api/rows", params={"t": "secret"}).status_code == 403  # the query never authorises an API call
    assert get(client, "/api/rows").status_code == 200
    assert get(client, "/").status_code == 200 and "secret" in get(client, "/").text
    other = TestClient(make_app(svc, "secret", PORT), base_url="http://evil.example:8765")
    assert other.get("/api/rows", headers={"X-Texpack-Token": "secret"}).status_code == 403  # DNS rebinding
    assert other.get("/", params={"t": "secret"}).status_code == 403


def test_the_entry_address_trades_its_token_for_a_cookie(setup):
    svc, _, _, _ = setup
    client = TestClient(make_app(svc, "secret", PORT), base_url=f"http://127.0.0.1:{PORT}")
    first = client.get("/", params={"t": "secret"}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "HttpOnly" in first.headers["set-cookie"] and "samesite=strict" in first.headers["set-cookie"].lower()
    page = client.get("/")  # the cookie alone now opens the page, its images and the event stream
    assert page.status_code == 200
    assert "t=secret" not in page.text  # no address in the page carries the token
    assert client.get("/api/thumb", params={"key": svc.rows[0].id, "which": "dump", "size": 32}).status_code == 200
    assert client.post("/api/seen", headers={"Origin": f"http://127.0.0.1:{PORT}"}).status_code == 403  # changes need the header


def test_every_answer_carries_a_strict_content_security_policy(setup):
    _, client, _, _ = setup
    for r in (get(client, "/"), get(client, "/api/rows"), get(client, "/static/app.js"), client.get("/api/rows")):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_listing_and_filtering(setup):
    _, client, _, _ = setup
    all_rows = get(client, "/api/rows").json()
    assert all_rows["total"] == 21 and len(all_rows["rows"]) == 21 and "RGBA16" in all_rows["facets"]["group"]
    rgba16 = get(client, "/api/rows", group="RGBA16").json()["rows"]
    assert rgba16 and all(r[3] == "RGBA16" for r in rgba16)
    skipped = get(client, "/api/rows", status="skipped").json()["rows"]
    assert [r[1] for r in skipped] == ["TEXPACK DEMO#DEADBEEF#0#2_all.png"]
    by_hash = get(client, "/api/rows", q="deadbeef").json()["rows"]
    assert len(by_hash) == 1
    small = get(client, "/api/rows", max="16").json()["rows"]
    assert small and all(max(r[4], r[5]) <= 16 for r in small)
    by_size = [r[4] * r[5] for r in get(client, "/api/rows", sort="size").json()["rows"]]
    assert by_size == sorted(by_size)
    detail = get(client, "/api/row", key=rgba16[0][0]).json()
    assert detail["fields"]["IDENT"] == "TEXPACK DEMO" and detail["sources"]["model"] == "profile"


def test_a_rule_is_written_with_the_users_comments_kept_and_rebuilds(setup):
    svc, client, profile, tmp = setup
    row = get(client, "/api/rows", group="RGBA32").json()["rows"][0]
    out = tmp / "pack" / svc.row(row[0]).output
    before = out.stat().st_mtime_ns
    r = post(client, "/api/rules", {"name": "sky wraps", "ids": [row[0]], "set": {"seam": "wrap"}})
    assert r.status_code == 200 and r.json()["changed"] == 1
    wait_idle(svc)
    text = profile.read_text()
    assert "# my notes about this game" in text and "# keep the defaults" in text
    assert "name: sky wraps" in text and "seam: wrap" in text
    assert out.stat().st_mtime_ns != before  # rebuilt through the pipeline
    assert svc.row(row[0]).sources["seam"] == "sky wraps"
    r = post(client, "/api/undo")
    assert r.status_code == 200
    wait_idle(svc)
    assert "sky wraps" not in profile.read_text() and "# my notes about this game" in profile.read_text()


def test_invalid_rules_leave_the_profile_alone(setup):
    svc, client, profile, _ = setup
    text = profile.read_text()
    r = post(client, "/api/rules", {"name": "bad", "ids": [svc.rows[0].id], "set": {"scale": 0}})
    assert r.status_code == 400 and "between 1 and 16" in r.json()["error"]
    r = post(client, "/api/rules", {"name": "bad", "ids": [svc.rows[0].id], "set": {"sharpen": True}})
    assert r.status_code == 400 and "not a setting" in r.json()["error"]
    assert profile.read_text() == text


def test_changes_need_the_header_token_and_the_pages_origin(setup):
    svc, client, profile, _ = setup
    text = profile.read_text()
    body = {"name": "x", "ids": [svc.rows[0].id], "set": {"seam": "wrap"}}
    assert post(client, "/api/rules", body, origin=None).status_code == 403
    assert post(client, "/api/rules", body, origin="http://evil.example").status_code == 403
    assert post(client, "/api/rules", body, token=None).status_code == 403
    assert profile.read_text() == text


@pytest.mark.parametrize(
    "root,path,code",
    [
        ("dump", "../pack/texpack-report.json", 403),
        ("dump", "/etc/hostname", 403),
        ("dump", "GLideNHQ\\..\\..\\x", 403),
        ("dump", "GLideNHQ/%2e%2e/%2e%2e/x", 400),
        ("dump", "GLideNHQ%2F..%2F..%2Fx", 400),
        ("etc", "hostname", 403),
        ("dump", "link-out/hostname", 403),
        ("pack", ".texpack/state.sqlite", 200),
    ],
)
def test_only_files_under_the_pages_folders_are_served(setup, root, path, code):
    svc, client, _, tmp = setup
    (tmp / "dump" / "texture_dump" / "TEXPACK DEMO" / "link-out").symlink_to("/etc")
    svc.root = svc.root.__class__(svc.root.emulator, svc.root.game, tmp / "dump" / "texture_dump" / "TEXPACK DEMO")
    assert get(client, "/file", root=root, path=path).status_code == code


def test_static_export_is_one_self_contained_page(setup):
    svc, _, _, tmp = setup
    from texpack.review.export import export_html

    n = export_html(svc, tmp / "notes.html", ["*#0#2_all.png"])
    page = (tmp / "notes.html").read_text()
    assert n == 20 and page.count("data:image/png;base64,") >= 2 * n + 2
    assert "src='http" not in page and "src=\"http" not in page


# -- in a real browser ------------------------------------------------------------------------

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Skipped only outside CI: .ci/run installs both, and there a missing browser is a failure.
browser = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()) and not os.environ.get("CI"), reason="needs Debian's chromium and chromium-driver")


@pytest.fixture
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=1400,900"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    yield d
    d.quit()


def wait(fn, timeout=30):
    got = []
    assert eventually(lambda: got.append(fn()) or got[-1], timeout, every=0.1), "timed out"
    return got[-1]


def cells(d) -> list[dict]:
    """The grid's cells as the page has them now (read in one step: the grid re-renders)."""
    return d.execute_script("return [...document.querySelectorAll('.cell')].map(c => ({id: c.dataset.key, i: +c.dataset.i}))")


def selected(d) -> list[str]:
    """The keys of the selected cells, as the page shows them."""
    return d.execute_script("return [...document.querySelectorAll('.cell.sel')].map(c => c.dataset.key)")


def click_cell(d, key: str) -> None:
    wait(lambda: d.execute_script("const c = [...document.querySelectorAll('.cell')].find(c => c.dataset.key === arguments[0]); if (c) c.click(); return !!c", key))


def shot(d, name):
    folder = os.environ.get("TEXPACK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        d.save_screenshot(str(Path(folder) / name))


@browser
def test_page_filter_open_tune_and_rebuild(setup, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    svc, _, profile, tmp = setup
    # a model the modder brought from a model site, in the user model folder
    import os as _os

    user = Path(_os.environ["TEXPACK_MODELS"])
    user.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "models" / "realesr-animevideov3-x4.safetensors", user / "my-own-x4.safetensors")
    server = Server(svc)
    server.start()
    try:
        driver.get(server.url)
        wait(lambda: len(cells(driver)) == 21)
        shot(driver, "review-grid.png")
        Select(driver.find_element(By.ID, "group")).select_by_visible_text("RGBA32")
        wait(lambda: len(cells(driver)) == 3)
        rid = cells(driver)[0]["id"]
        out = tmp / "pack" / svc.row(rid).output
        before = out.stat().st_mtime_ns
        click_cell(driver, rid)
        wait(lambda: driver.find_element(By.ID, "d-name").text == svc.row(rid).name)
        wait(lambda: driver.execute_script("return document.getElementById('d-out') && document.getElementById('d-out').complete && document.getElementById('d-out').naturalWidth > 0"))
        names = [r.name for r in svc.query(group="RGBA32")]
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)  # the next texture of the filtered list
        wait(lambda: driver.find_element(By.ID, "d-name").text == names[(names.index(svc.row(rid).name) + 1) % len(names)])
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
        wait(lambda: driver.find_element(By.ID, "d-name").text == svc.row(rid).name)
        driver.execute_script("const z = document.getElementById('d-zoom'); z.value = 8; z.dispatchEvent(new Event('input'))")
        wait(lambda: driver.find_elements(By.ID, "d-pane-out"))
        driver.execute_script("const p = document.getElementById('d-pane-dump'); p.scrollLeft = 40; p.scrollTop = 30; p.dispatchEvent(new Event('scroll'))")
        wait(lambda: driver.execute_script("const o = document.getElementById('d-pane-out'); return o.scrollLeft === 40 && o.scrollTop === 30"))
        driver.execute_script("const z = document.getElementById('d-zoom'); z.value = 1; z.dispatchEvent(new Event('input'))")
        Select(driver.find_element(By.ID, "d-view")).select_by_visible_text("slider")
        frame = wait(lambda: driver.find_elements(By.ID, "d-slider"))[0]
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(driver).move_to_element_with_offset(frame, -frame.size["width"] // 4, 0).click_and_hold().move_by_offset(2, 0).release().perform()
        cut = int(driver.find_element(By.ID, "d-cut").get_attribute("value"))
        assert 15 <= cut <= 35, cut  # the divider followed the pointer to about a quarter of the width
        Select(driver.find_element(By.ID, "d-view")).select_by_visible_text("side by side")
        menu = driver.execute_script("return [...document.querySelectorAll('#models option')].map(o => o.value)")
        assert {"bicubic", "texpack-span-x4", "my-own-x4"} <= set(menu)  # the user's model is offered by name
        driver.find_element(By.ID, "s-model").send_keys("no-such-model")
        driver.find_element(By.ID, "apply").click()  # a rule a build would refuse: its reason shows, nothing is saved
        wait(lambda: "no-such-model" in driver.find_element(By.ID, "message").text)
        assert "error" in driver.find_element(By.ID, "message").get_attribute("class") and "no-such-model" not in profile.read_text()
        driver.find_element(By.ID, "s-model").clear()
        Select(driver.find_element(By.ID, "s-seam")).select_by_visible_text("wrap")
        before_text = profile.read_text()
        driver.find_element(By.ID, "preview").click()  # what the rule would make, before saving it
        wait(lambda: driver.execute_script("const p = document.getElementById('d-preview'); return p && p.complete && p.naturalWidth > 0"))
        assert "not saved" in driver.find_element(By.ID, "d-preview-fig").text and profile.read_text() == before_text
        driver.find_element(By.ID, "rulename").send_keys("this texture wraps")
        driver.find_element(By.ID, "apply").click()
        wait(lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-rebuilt") == "1", timeout=60)
        assert "rebuilt 1 textures" in driver.find_element(By.ID, "message").text
        assert "name: this texture wraps" in profile.read_text() and "seam: wrap" in profile.read_text()
        assert out.stat().st_mtime_ns != before
        wait(lambda: "seam" in driver.find_element(By.ID, "d-settings").text and "this texture wraps" in driver.find_element(By.ID, "d-settings").text)
        Select(driver.find_element(By.ID, "d-view")).select_by_visible_text("3x3 tiled")
        wait(lambda: driver.find_elements(By.ID, "d-tiled"))
        Select(driver.find_element(By.ID, "d-view")).select_by_visible_text("side by side")
        time.sleep(0.5)
        shot(driver, "review-texture.png")
        refused = "/api/rules - Failed to load resource: the server responded with a status of 400"  # the refused rule above
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and refused not in e["message"]] == []
    finally:
        server.shutdown()


@browser
def test_first_grid_paint_of_2000_textures_is_under_a_second(tmp_path, driver):
    from examples.synth import SynthSpec, make_gliden64_dump

    make_gliden64_dump(tmp_path / "dump", "BIG GAME", SynthSpec(count=2000, seed=3, duplicates=0))
    svc = ReviewService(find_dump_roots(tmp_path / "dump")[0], tmp_path / "pack")
    assert len(svc.rows) == 2000
    server = Server(svc)
    server.start()
    try:
        driver.get(server.url)
        paint = wait(lambda: driver.execute_script("return window.__texpack.firstGridPaint"))
        assert paint < 1000, f"first grid paint took {paint:.0f} ms"
        assert 0 < len(cells(driver)) < 300  # virtual scrolling: only what is in view exists
        driver.execute_script("document.getElementById('gridwrap').scrollTop = 200000")
        wait(lambda: any(c["i"] > 1900 for c in cells(driver)))
        (Path(os.environ.get("TEXPACK_SCREENSHOTS", tmp_path)) / "first-paint.json").write_text(json.dumps({"first_grid_paint_ms": paint, "textures": 2000}))
    finally:
        server.shutdown()


def test_live_updates_when_another_texpack_writes_the_pack(setup):
    """A running watch (here: a build of one new dump) changes the pack; the page is told."""
    import threading

    from examples.synth import SynthSpec, make_gliden64_dump
    from texpack.review.live import PackPoller

    svc, _, _, tmp = setup
    events = []
    svc.listeners.append(events.append)
    stop = threading.Event()
    th = threading.Thread(target=PackPoller(svc, 0.1), args=(stop,), daemon=True)
    th.start()
    try:
        extra = make_gliden64_dump(tmp / "more", "TEXPACK DEMO", SynthSpec(count=1, seed=99, duplicates=0))
        new = next(extra.iterdir())
        shutil.copy(new, tmp / "dump" / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ" / new.name)
        run_build(tmp / "dump", tmp / "pack", model="nearest")
        # The build commits file by file, so the first reload may land mid-build; each later
        # commit changes the pack again and reloads again, until the new texture shows as built.
        wait(lambda: any(e.get("live") for e in events) and any(r.name == new.name and r.status == "built" for r in svc.rows))
    finally:
        stop.set()
        th.join(5)


def test_review_with_its_own_watch_builds_new_dumps_and_tells_the_page(setup):
    """texpack review --watch: the watch runs in the review's process into the reviewed pack; a new
    dump is built and the page told from the watch's own events; a rule saved on the page is
    rebuilt by that watch."""
    import threading

    from examples.synth import SynthSpec, make_gliden64_dump
    from texpack.review.live import WatchFeed
    from texpack.watch.watcher import WatchOptions

    svc, client, profile, tmp = setup
    events = []
    svc.listeners.append(events.append)
    feed = WatchFeed(svc, WatchOptions(quiet=0.1))
    assert feed.request.into == tmp / "pack" and feed.request.dump == svc.root.path
    stop = threading.Event()
    th = threading.Thread(target=feed, args=(stop,))
    th.start()
    try:
        extra = make_gliden64_dump(tmp / "more", "TEXPACK DEMO", SynthSpec(count=1, seed=98, duplicates=0))
        new = next(extra.iterdir())
        shutil.copy(new, Path(svc.root.path) / new.name)
        assert eventually(lambda: any(e.get("live") for e in events) and any(r.name == new.name and r.status == "built" for r in svc.rows), 60)
        row = next(r for r in svc.rows if r.name == new.name)
        out = tmp / "pack" / row.output
        before = out.stat().st_mtime_ns
        got = post(client, "/api/rules", {"name": "smooth it", "ids": [row.id], "set": {"model": "bicubic"}}).json()
        assert got["changed"] == 1 and got.get("rebuilt_by")  # the page's process holds the pack through its watch
        assert eventually(lambda: out.stat().st_mtime_ns != before, 30)
    finally:
        stop.set()
        th.join(30)
    assert not th.is_alive() and feed.error == ""


@browser
def test_a_dump_arriving_during_review_keeps_the_selection_on_its_texture(setup, driver):
    """A dump that sorts first arrives (a running watch builds it) while a texture is open:
    selection, open texture and the rule written all stay with that texture."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    svc, _, profile, tmp = setup
    server = Server(svc)
    server.start()
    try:
        driver.get(server.url)
        wait(lambda: len(cells(driver)) == 21)
        key = cells(driver)[3]["id"]
        name = svc.row(key).name
        click_cell(driver, key)
        wait(lambda: driver.find_element(By.ID, "d-name").text == name)
        gl = tmp / "dump" / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
        first = sorted(gl.iterdir())[0]
        shutil.copy(first, gl / "TEXPACK DEMO#00000001#0#2_all.png")  # sorts before every other name
        run_build(tmp / "dump", tmp / "pack", model="nearest")
        wait(lambda: len(cells(driver)) == 22, timeout=60)
        time.sleep(0.3)  # let the open texture refresh
        assert driver.find_element(By.ID, "d-name").text == name
        assert selected(driver) == [key]
        thumbs = driver.execute_script("return [...document.querySelectorAll('.cell img')].map(i => i.getAttribute('src'))")
        assert all("key=" in t and "v=" in t for t in thumbs)  # addressed by key and version, never by position
        Select(driver.find_element(By.ID, "s-seam")).select_by_visible_text("mirror")
        driver.find_element(By.ID, "apply").click()
        wait(lambda: "seam: mirror" in profile.read_text())
        assert name.replace("#", "[#]") in profile.read_text() or name in profile.read_text()
        assert "00000001" not in profile.read_text()
    finally:
        server.shutdown()


def test_tuning_while_a_watch_holds_the_pack_saves_the_rule_and_hands_the_rebuild_over(setup):
    from texpack.state import State

    svc, client, profile, tmp = setup
    held = State.open(tmp / "pack")  # as a running watch holds it
    try:
        r = post(client, "/api/rules", {"name": "while playing", "ids": [svc.rows[0].id], "set": {"seam": "mirror"}})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["changed"] == 1 and f"pid {os.getpid()}" in body["rebuilt_by"]
        assert "while playing" in profile.read_text() and not svc.busy  # saved; the watch does the rebuild
    finally:
        held.close()


@browser
def test_a_scripted_live_session_tune_while_playing(tmp_path, driver):
    """A real watch writes the pack while the review page is open on it: dumps arrive while a
    texture is selected, a rule is applied from the page, the watch rebuilds it; the selection
    stays on its texture and its thumbnail address changes with the rebuilt file."""
    import threading

    from selenium.webdriver.common.by import By

    from texpack.watch.run import WatchRequest, watch
    from texpack.watch.watcher import WatchOptions

    src = EXAMPLES / "gliden64" / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
    dumps = tmp_path / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
    dumps.mkdir(parents=True)
    names = sorted(p.name for p in src.iterdir())
    for n in names[4:10]:
        shutil.copy(src / n, dumps / n)
    pack = tmp_path / "pack"
    (pack / "profiles").mkdir(parents=True)  # the pack's own profile, which the page edits and the watch reads
    (pack / "profiles" / "TEXPACK DEMO.yaml").write_text("extends: defaults/gliden64\nmodel: nearest\nrules: []\n")
    stop, started = threading.Event(), threading.Event()
    req = WatchRequest(dump=tmp_path / "texture_dump", into=pack, watch=WatchOptions(quiet=0.1))
    th = threading.Thread(target=watch, args=(req, stop, lambda e: None, started), daemon=True)
    th.start()
    server = None
    try:
        assert started.wait(30)
        game = pack / "hires_texture" / "TEXPACK DEMO"
        wait(lambda: game.is_dir() and len(list(game.glob("*.png"))) >= 5, timeout=60)
        svc = ReviewService(find_dump_roots(dumps)[0], pack)
        server = Server(svc)
        server.start()
        driver.get(server.url)
        wait(lambda: len(cells(driver)) == 6)
        key = cells(driver)[2]["id"]
        name = svc.row(key).name
        click_cell(driver, key)
        wait(lambda: driver.find_element(By.ID, "d-name").text == name)
        thumb = driver.execute_script("return [...document.querySelectorAll('.cell')].find(c => c.dataset.key === arguments[0]).querySelector('img').src", key)
        for n in names[:4]:  # new dumps that sort before the selected one arrive while playing
            shutil.copy(src / n, dumps / n)
        wait(lambda: len(cells(driver)) == 10, timeout=60)
        assert driver.find_element(By.ID, "d-name").text == name
        assert selected(driver) == [key]
        driver.find_element(By.ID, "s-model").send_keys("bilinear")
        driver.find_element(By.ID, "apply").click()
        wait(lambda: "running watch rebuilds" in driver.find_element(By.ID, "message").text, timeout=30)
        # the watch takes up the saved profile and redoes this texture; the page follows
        wait(lambda: "bilinear" in driver.find_element(By.ID, "d-settings").text, timeout=60)
        new_thumb = lambda: driver.execute_script(  # noqa: E731
            "const c = [...document.querySelectorAll('.cell')].find(c => c.dataset.key === arguments[0]); return c && c.querySelector('img').src", key)
        wait(lambda: new_thumb() and new_thumb() != thumb, timeout=60)  # the rebuilt file has a new address
        assert selected(driver) == [key]
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        stop.set()
        th.join(30)
        if server is not None:
            server.shutdown()


def test_a_preview_makes_the_pack_file_a_rule_would_make_and_saves_nothing(setup):
    import io

    from PIL import Image

    svc, client, profile, _ = setup
    text = profile.read_text()
    row = svc.rows[0]
    r = post(client, "/api/preview", {"key": row.id, "set": {"scale": 2}})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.size == (row.width * 2, row.height * 2)
    bad = post(client, "/api/preview", {"key": row.id, "set": {"model": "no-such-model"}})
    assert bad.status_code == 400 and "model" in bad.json()["error"]
    assert profile.read_text() == text and not svc.editor.can_undo()


def test_the_review_command_with_watch_serves_watches_and_stops_on_ctrl_c(tmp_path):
    """The real command: it prints the page's address and what it watches, builds a dump that
    arrives, and a Ctrl-C stops the server, then the watch (its batch and state done), then the process."""
    import signal
    import subprocess
    import sys

    dump = tmp_path / "dump"
    shutil.copytree(EXAMPLES / "gliden64", dump)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([sys.executable, "-m", "texpack", "review", str(dump), "--out", str(tmp_path / "pack"), "--watch",
                          "--no-browser"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [p.stdout.readline() for _ in range(3)]
        assert "http://127.0.0.1:" in lines[0] and lines[1].startswith("watching "), lines
        gl = next(dump.rglob("GLideNHQ"))
        first = sorted(gl.iterdir())[0]
        shutil.copy(first, gl / "TEXPACK DEMO#00000001#0#2_all.png")
        built = tmp_path / "pack" / "hires_texture" / "TEXPACK DEMO" / "TEXPACK DEMO#00000001#0#2_all.png"
        assert eventually(built.exists, 60)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    # 130: uvicorn hands the Ctrl-C back once the server and the watch have stopped.
    assert p.returncode == 130 and "Traceback" not in err and "terminate" not in err, (p.returncode, err[-600:])
