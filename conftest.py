"""Test-session settings shared by tests/ and the doctests in skclean/."""

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

if torch is not None:
    # The test data are tiny: one thread is as fast as two and avoids the large
    # slow-downs of OpenMP threads competing with other processes for the cores.
    torch.set_num_threads(1)
