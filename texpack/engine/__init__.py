"""Upscaling engines: ESRGAN-family networks in PyTorch and plain resampling."""
