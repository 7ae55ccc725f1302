#!/usr/bin/env bash
# Make (or continue) texpack-span-x4-clut, the default for palette (CLUT) dumps:
#   bash models/recipe/train-span-clut-model.sh [WORK_DIR]
# It starts from the bundled texpack-span-x4 and trains on dumps stored in 16- and 256-colour
# palettes only (N64 CI4/CI8, PS1 4/8-bit CLUT: `texpack train --formats clut`), where the
# general model gains least over bicubic. The run continues from
# models/recipe/checkpoints/texpack-span-x4-clut.ckpt when that file is there; FRESH=1 starts
# over. Steps: STEPS (default 8000). Same data as train-span-texture-models.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$PWD/texture-training}"
name=texpack-span-x4-clut
mkdir -p "$work/deb" "$work/x" "$work/checkpoints"
cd "$work/deb"
pkgs=(openarena-081-textures nexuiz-textures ufoai-textures)
for p in "${pkgs[@]}"; do
  ls "$p"_*.deb >/dev/null 2>&1 || apt-get download "$p"
  [ -d "$work/x/$p" ] || dpkg -x "$p"_*.deb "$work/x/$p"
done
x="$work/x"
# ufoai-textures mixes licences per file: keep only the GPL-2+ ones.
python3 "$here/dep5_exclude.py" "$x/ufoai-textures/usr/share/doc/ufoai-textures/copyright" GPL-2+ base/ > "$work/ufoai-not-gpl2.txt"
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
  --init "$here/../texpack-span-x4.safetensors" --formats clut \
  --name "$name" --scale 4 --steps "${STEPS:-8000}" \
  --batch 16 --patch 32 --lr 1e-4 --seed 1 --checkpoint-minutes 3 --val-every 1000 \
  --license GPL-3.0-or-later --card "$here/texture-data-span-clut.yaml" \
  --out "$work/models" --work "$work/checkpoints" "${resume[@]}"
echo "new checkpoint: $work/checkpoints/$name.ckpt (copy it over $here/checkpoints/ to continue from it next time)"
