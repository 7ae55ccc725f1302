"""Model file extensions texpack reads (kept apart so listing models needs no PyTorch)."""

MODEL_EXTS = (".safetensors", ".pth", ".pt")
