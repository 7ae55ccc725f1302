"""Regenerate the example dumps in this folder: python examples/generate.py"""

import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))

from examples.synth import SynthSpec, make_duckstation_dump, make_gliden64_dump, make_rice_dump  # noqa: E402

make_gliden64_dump(here / "gliden64", spec=SynthSpec(count=18, seed=1))
make_rice_dump(here / "rice", ident="RICE DEMO", spec=SynthSpec(count=14, seed=2))
make_duckstation_dump(here / "duckstation", spec=SynthSpec(count=16, seed=3))

# A texture the example profile skips by hash (profiles/gliden64/TEXPACK DEMO.yaml).
glide = here / "gliden64" / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
first = sorted(glide.glob("*#0#2_all.png"))[0]
(glide / "TEXPACK DEMO#DEADBEEF#0#2_all.png").write_bytes(first.read_bytes())
