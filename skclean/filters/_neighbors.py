"""The fast classifier behind the filters' default out-of-fold probabilities."""

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

__all__ = ["neighbors_estimator"]

#: Components of the projection and most neighbours.
_N_COMPONENTS = 50
_MAX_NEIGHBORS = 50


def neighbors_estimator(X, min_count, random_state):
    """PCA(50) followed by a k-nearest-neighbours classifier, sized to the data.

    ``k`` is a sixth of the smallest label's rows (about a fifth of its rows in
    a training fold of 5-fold cross-validation), between 1 and 50. Sparse
    ``X`` is projected with TruncatedSVD; ``X`` with at most 50 features is
    not projected.
    """
    n_neighbors = int(np.clip(min_count // 6, 1, _MAX_NEIGHBORS))
    knn = KNeighborsClassifier(n_neighbors=n_neighbors)
    if X.shape[1] <= _N_COMPONENTS:
        return knn
    if sp.issparse(X):
        projection = TruncatedSVD(_N_COMPONENTS, random_state=random_state)
    else:
        n_components = min(_N_COMPONENTS, max(1, X.shape[0] // 3))
        projection = PCA(n_components, random_state=random_state)
    return make_pipeline(projection, knn)
