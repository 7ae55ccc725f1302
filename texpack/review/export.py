"""``texpack review --html``: one self-contained page of before/after pairs, for release notes.

Every texture appears as a small dump/pack pair; a chosen few (``--pick`` globs, else
twelve spread over the pack) also appear in full, dump blown up to the pack's size with
nearest sampling beside the pack file. Images are inlined as data URLs, so the page is
one file that opens anywhere.
"""

from __future__ import annotations

import base64
import fnmatch
import html
import io
from pathlib import Path

from PIL import Image

from texpack.atomic import write_atomic
from texpack.review.service import ReviewService

STYLE = """body{font:14px system-ui,sans-serif;background:#16181d;color:#e6e6e6;margin:24px}
h1{font-size:20px}h2{font-size:16px;margin-top:32px}.grid{display:flex;flex-wrap:wrap;gap:10px}
.pair{display:flex;gap:2px;background:repeating-conic-gradient(#555 0 25%,#333 0 50%) 0 0/12px 12px;padding:2px;border-radius:4px}
img{image-rendering:pixelated;display:block}.full{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 24px}
figure{margin:0}figcaption{color:#9aa0ab;font-size:12px;word-break:break-all;max-width:520px}"""


def _data_url(path: Path, size: int | None = None, upscale_to: tuple[int, int] | None = None) -> str:
    with Image.open(path) as im:
        im = im.convert("RGBA")
        if upscale_to is not None:
            im = im.resize(upscale_to, Image.Resampling.NEAREST)
        elif size is not None:
            f = size / max(im.size)
            im = im.resize((max(1, round(im.width * f)), max(1, round(im.height * f))), Image.Resampling.NEAREST if f >= 1 else Image.Resampling.BOX)
        buf = io.BytesIO()
        im.save(buf, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def export_html(service: ReviewService, dest: Path, picks: list[str], thumb: int = 64, full_max: int = 512) -> int:
    rows = [r for r in service.query() if r.output and (service.out / r.output).is_file()]
    dump_dir = Path(service.root.path)
    if picks:
        chosen = [r for r in rows if any(fnmatch.fnmatchcase(r.name, g) for g in picks)]
    else:
        step = max(1, len(rows) // 12)
        chosen = rows[::step][:12]
    parts = [f"<!doctype html><meta charset=utf-8><title>{html.escape(service.root.game)}: before and after</title><style>{STYLE}</style>",
             f"<h1>{html.escape(service.root.game)} — {len(rows)} textures, dump and pack</h1>"]
    for r in chosen:
        out = service.out / r.output
        with Image.open(out) as im:
            w, h = im.size
        f = min(1.0, full_max / max(w, h))
        size = (max(1, round(w * f)), max(1, round(h * f)))
        parts.append(f"<div class=full><figure><img src='{_data_url(dump_dir / r.dump, upscale_to=size)}' width={size[0]} height={size[1]}>"
                     f"<figcaption>dump {r.width}×{r.height}: {html.escape(r.name)}</figcaption></figure>"
                     f"<figure><img src='{_data_url(out, max(size))}' width={size[0]} height={size[1]}><figcaption>pack {w}×{h}</figcaption></figure></div>")
    parts.append("<h2>Every texture</h2><div class=grid>")
    for r in rows:
        parts.append(f"<div class=pair title='{html.escape(r.name, quote=True)}'><img src='{_data_url(dump_dir / r.dump, thumb)}'>"
                     f"<img src='{_data_url(service.out / r.output, thumb)}'></div>")
    parts.append("</div>")
    write_atomic(Path(dest), "\n".join(parts).encode("utf-8"))
    return len(rows)
