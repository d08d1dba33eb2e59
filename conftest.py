"""Test-session settings shared by tests/ and the doctests in skclean/."""

# Load the libraries that bring their own BLAS/OpenMP runtimes first, so that
# the limit below reaches all of them.
import scipy.linalg  # noqa: F401
import sklearn.cluster  # noqa: F401
from threadpoolctl import threadpool_limits

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

# The test data are tiny: one thread is as fast as two, and it avoids the large
# slow-downs of OpenMP/BLAS threads competing for the cores with other processes
# (joblib workers of n_jobs=2 tests, Dask workers).
threadpool_limits(1)
if torch is not None:
    torch.set_num_threads(1)
