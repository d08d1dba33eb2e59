"""Shared helpers of the benchmark scripts: run metadata and result files."""

import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

PACKAGES = (
    "skclean",
    "torch",
    "skorch",
    "scikit-learn",
    "imbalanced-learn",
    "numpy",
    "cleanlab",
)


def machine_info(device="cpu"):
    """Machine, device and package versions, for every results file."""
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "device": device,
        "versions": {},
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join([Path(sys.executable).name] + sys.argv),
    }
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        if device.startswith("cuda") and torch.cuda.is_available():
            info["device_name"] = torch.cuda.get_device_name()
    except ImportError:  # pragma: no cover
        pass
    for name in PACKAGES:
        try:
            info["versions"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except OSError:  # pragma: no cover
        pass
    return info


def stage2_params(epochs):
    """Stage 2 of the two-stage pipeline in the end-to-end CNN benchmark.

    It continues from the filter's network (``pretrained="filter"``), so it uses a
    lower learning rate annealed over the second half and w_max 30 rather than
    Laine & Aila's 100 (with most labels kept, 100 swamps the supervised loss).
    """
    return dict(
        pretrained="filter",
        max_epochs=epochs,
        batch_size=256,
        lr=3e-4,
        unsupervised_weight=30.0,
        rampup_epochs=max(1, epochs // 4),
        rampdown_epochs=epochs // 2,
    )


def cosine_lr(epochs):
    """A skorch callback that anneals the learning rate to 0 over ``epochs``."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import CosineAnnealingLR

    return ("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=epochs))


def mlp_params(epochs):
    """The MLP's training in the two-stage MNIST table: every row, stage 1 included.

    Adam 1e-3 annealed to 0 (cosine) over the epochs, batches of 128 rows (as
    Patrini et al., whose network Ding et al. use), dropout 0.2 (the MLP default).
    """
    from skclean.nets import MLP

    return dict(
        module=MLP,
        max_epochs=epochs,
        batch_size=128,
        lr=1e-3,
        callbacks=[cosine_lr(epochs)],
    )


def mlp_stage2_params(epochs):
    """Stage 2 of the two-stage MNIST table: the Pi-model, started from stage 1.

    It starts from the filter's network (``pretrained="filter"``) and trains
    again with the full, annealed learning rate; inputs are perturbed by
    Gaussian noise (0.15), dropout and random translations of one pixel
    (``ablate_two_stage_mnist.py`` measures each choice); batches hold 128
    labelled and 128 unlabelled rows.
    """
    return dict(
        mlp_params(epochs),
        pretrained="filter",
        batch_size=256,
        unsupervised_weight=30.0,
        rampup_epochs=max(1, epochs // 4),
        translate=1,
    )


def write_results(name, payload, markdown):
    """Write ``results/<name>.json`` and ``results/<name>.md``."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(payload, indent=2, default=str) + "\n"
    )
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)


class PeakRSS:
    """Peak resident memory of this process above its level at entry, in bytes.

    A background thread samples the RSS every ``interval`` seconds (psutil), so
    every allocation counts (NumPy, BLAS, torch), not only Python's.
    """

    def __init__(self, interval=0.005):
        self.interval = interval

    def __enter__(self):
        import threading

        import psutil

        self._process = psutil.Process()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()

        def sample():
            while not self._stop.is_set():
                self.peak = max(self.peak, self._process.memory_info().rss)
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)
        self.bytes = self.peak - self.baseline
        return False
