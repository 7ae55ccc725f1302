"""One texture made with settings not yet saved: the review page's preview."""

from __future__ import annotations

from pathlib import Path

from texpack.emulators import DumpRoot
from texpack.engine.pool import EnginePool
from texpack.errors import ProfileError
from texpack.imageio import encode_png
from texpack.imagesteps import prepare, upscale_group
from texpack.pipeline.sources import decode_item
from texpack.profile import Profile
from texpack.review.files import PathRefused
from texpack.scan import scan, with_partners
from texpack.targets import Target


def preview_png(root: DumpRoot, target: Target, pool: EnginePool, profile: Profile, dump: str) -> bytes:
    """The pack file ``profile`` would give the dump ``dump`` (relative to the dump folder),
    as PNG bytes, made through the same steps as a build; nothing is written."""
    found = scan(root, with_partners(root, [Path(root.path) / dump]))
    item = next((i for i in found.items if i.rel == dump), None)
    if item is None:
        raise PathRefused(f"{dump!r} is not a texture of this dump any more")
    rgba = decode_item(item)
    s = profile.settings_for(item.name, item.key, rgba.shape[1], rgba.shape[0])
    if s.skip:
        raise ProfileError(profile.source, ["this rule skips the texture: nothing to preview"])
    p = prepare(rgba, s.alpha, item.key.alpha_mode(), s.seam, s.color_fix)
    (out,) = upscale_group(pool.get(pool.key(s.model, s.scale, s.detail)), [p], s.scale)
    return encode_png(target.finish_texture(out, item.key))
