"""Device choice: ``"auto"`` means CUDA when present, else the CPU."""

import functools

import torch

__all__ = ["check_bfloat16_supported", "check_device_available", "resolve_device"]


@functools.cache
def _cuda_available():
    return torch.cuda.is_available()


def resolve_device(device):
    """Return the torch device string that ``device`` stands for.

    ``"auto"`` becomes ``"cuda"`` when a CUDA GPU is available and ``"cpu"``
    otherwise; any other value is returned unchanged.
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if _cuda_available() else "cpu"
    return device


def check_device_available(device):
    """Raise a clear ValueError when a CUDA device is asked for and none exists."""
    if device is None:
        return
    kind = torch.device(device).type
    if kind == "cuda" and not _cuda_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine (torch.cuda.is_available() is False). Use device='auto' to take "
            "a GPU when there is one and the CPU otherwise, or device='cpu'."
        )


def check_bfloat16_supported(device):
    """Raise a clear ValueError when a CUDA device cannot compute in bfloat16."""
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(
            f"mixed_precision=True computes in bfloat16, which the GPU {device} does "
            "not support (it needs an Ampere or newer GPU). Use "
            "mixed_precision=False."
        )
