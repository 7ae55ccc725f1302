#!/usr/bin/env bash
# Everything worth running on a lent GPU, in one go (about 5 minutes on an H100):
#   bash benchmarks/gpu_check.sh > gpu-check.txt 2>&1
# the gpu-marked tests, the engine table on CUDA, and a 3,000-texture whole build
# against the per-image peer. Needs the project installed (pip install ".[test]").
set -uo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"
echo "## gpu tests"
timeout 120 python -m pytest -q -m gpu tests
echo "## engine on CUDA"
timeout 180 python benchmarks/gpu_engine.py
echo "## whole build, 3000 textures"
timeout 240 python benchmarks/build_scale.py --count 3000 --device cuda
