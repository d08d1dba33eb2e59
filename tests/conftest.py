import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed_everything():
    """Seed numpy (and torch where imported) so every test is reproducible."""
    np.random.seed(0)
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.manual_seed(0)
