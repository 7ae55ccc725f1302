#!/usr/bin/env bash
# Retrain the bundled texture models from scratch data with the settings they were made with:
#   bash models/recipe/train-texture-models.sh [WORK_DIR]
# Both stages run in one command here; the bundled files came from runs that were split
# (each model card's training.schedule_note says how), so expect close, not identical, weights.
# Needs apt-get (to download, not install, three Debian packages), dpkg and texpack.
# Training data: game textures licensed GPL-2+ (see models/texpack-textures-x4.yaml).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$PWD/texture-training}"
mkdir -p "$work/deb" "$work/x"
cd "$work/deb"
pkgs=(openarena-081-textures nexuiz-textures ufoai-textures)
apt-get download "${pkgs[@]}"
for p in "${pkgs[@]}"; do
  [ -d "$work/x/$p" ] || dpkg -x "$p"_*.deb "$work/x/$p"
done
x="$work/x"
# ufoai-textures mixes licences per file: keep only the GPL-2+ ones.
python3 "$here/dep5_exclude.py" "$x/ufoai-textures/usr/share/doc/ufoai-textures/copyright" GPL-2+ base/ > "$work/ufoai-not-gpl2.txt"
texpack train \
  --hr "$x/openarena-081-textures/usr/share/games/openarena/baseoa/pak4-textures.pk3" \
  --hr "$x/nexuiz-textures/usr/share/games/nexuiz/data/textures.pk3" \
  --hr "$x/ufoai-textures/usr/share/games/ufoai/base/0textures.pk3" \
  --exclude-from "$work/ufoai-not-gpl2.txt" \
  --init "$here/../realesr-animevideov3-x4.safetensors" \
  --name texpack-textures-x4 --scale 4 \
  --steps "${PSNR_STEPS:-6000}" --gan-steps "${GAN_STEPS:-1200}" --energy-weight 5 \
  --batch 16 --patch 32 --lr 1e-4 --gan-lr 1e-4 --seed 1 \
  --license GPL-2.0-or-later --card "$here/texture-data.yaml" \
  --out "$work/models" --work "$work/checkpoints" ${RESUME:+--resume}
