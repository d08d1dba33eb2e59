"""A grid search over noise handling on a real (local, multi-process) Dask cluster."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skclean import LabelNoise, make_pipeline
from skclean.filters import KMeansLabelFilter

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow  # starts a cluster of worker processes


@pytest.fixture(scope="module")
def client():
    """Two worker processes on the loopback interface, closed after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _search():
    pipe = make_pipeline(
        LabelNoise(rate=0.3, random_state=0),
        KMeansLabelFilter(random_state=0),
        LogisticRegression(max_iter=200),
    )
    grid = {
        "kmeanslabelfilter": [KMeansLabelFilter(random_state=0), "passthrough"],
        "logisticregression__C": [0.1, 1.0],
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, n_jobs=-1)


def _split_scores(search):
    return np.array(
        [search.cv_results_[f"split{i}_test_score"] for i in range(search.n_splits_)]
    )


def test_grid_search_on_a_dask_cluster_matches_sequential(client):
    X, y = load_digits(return_X_y=True)
    X, y = X[:450] / 16, y[:450]
    sequential = _search().set_params(n_jobs=None).fit(X, y)
    with distributed.get_task_stream(client) as tasks, parallel_backend("dask"):
        on_cluster = _search().fit(X, y)
    np.testing.assert_array_equal(_split_scores(on_cluster), _split_scores(sequential))
    assert on_cluster.best_index_ == sequential.best_index_
    # The fits ran in the workers' processes.
    assert len(tasks.data) > 0
    assert {task["worker"] for task in tasks.data} <= set(
        client.scheduler_info()["workers"]
    )
