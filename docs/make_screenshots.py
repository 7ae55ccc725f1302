"""Make the README's review-page screenshots from the bundled examples, in headless Chromium.

    python docs/make_screenshots.py            # writes docs/images/review-grid.png and review-texture.png

Builds the GLideN64 example into a pack with the default model, opens `texpack review` over
it, and photographs the grid and one texture in the side-by-side view. Needs Debian's
chromium and chromium-driver (as the page tests do).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from texpack.build import BuildRequest, build  # noqa: E402
from texpack.emulators import find_dump_roots  # noqa: E402
from texpack.review.server import Server  # noqa: E402
from texpack.review.service import ReviewService  # noqa: E402
from texpack.session import GameOptions  # noqa: E402


def wait(fn, timeout: float = 60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.1)
    raise SystemExit("timed out waiting for the page")


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out_dir = ROOT / "docs" / "images"
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the page names the profile by this relative path, as a modder would see it
        dump = ROOT / "examples" / "gliden64"
        build(BuildRequest(dump=dump, out=Path("mypack"), options=GameOptions()))
        svc = ReviewService(find_dump_roots(dump)[0], Path("mypack"))
        server = Server(svc)
        server.start()
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"):
            opts.add_argument(a)
        d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            d.get(server.url)
            wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".cell")) > 0)
            wait(lambda: d.execute_script("return [...document.querySelectorAll('.cell img')].every(i => i.complete && i.naturalWidth > 0)"))
            d.save_screenshot(str(out_dir / "review-grid.png"))
            Select(d.find_element(By.ID, "group")).select_by_visible_text("RGBA16")
            wait(lambda: d.execute_script("const b = [...document.querySelectorAll('.cell .badge')]; return b.length > 0 && b.every(x => x.textContent.includes('RGBA16'))"))
            d.find_elements(By.CSS_SELECTOR, ".cell")[0].click()
            wait(lambda: d.execute_script("const o = document.getElementById('d-out'); return o && o.complete && o.naturalWidth > 0"))
            d.execute_script("document.getElementById('d-name').scrollIntoView()")  # the texture view, not the tuning form
            time.sleep(0.5)
            d.save_screenshot(str(out_dir / "review-texture.png"))
        finally:
            d.quit()
            server.shutdown()
    print(f"wrote {out_dir / 'review-grid.png'} and {out_dir / 'review-texture.png'}")


if __name__ == "__main__":
    main()
