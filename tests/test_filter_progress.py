"""Progress of the filters that train models, and their out-of-fold folds."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict

from skclean.filters import ClusterRelabeler, ConfidenceRankFilter
from skclean.nets import MLP, CNNClassifier
from skclean.noise import flip_labels


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16.0, y[:400]
    return X.astype(np.float32), flip_labels(y, rate=0.3, random_state=0)


def test_silent_by_default(digits, capsys):
    ConfidenceRankFilter(cv=3, random_state=0).fit_resample(*digits)
    ClusterRelabeler(cv=3, random_state=0).fit_resample(*digits)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("filter_class", [ConfidenceRankFilter, ClusterRelabeler])
def test_verbose_prints_a_line_per_fold_and_a_summary(filter_class, digits, capsys):
    filt = filter_class(cv=3, verbose=1, random_state=0)
    filt.fit_resample(*digits)
    lines = capsys.readouterr().out.splitlines()
    name = filter_class.__name__
    assert [line.split(":")[0] for line in lines[:3]] == [
        f"[{name}] fold {i}/3" for i in (1, 2, 3)
    ]
    assert all(" s" in line for line in lines[:3])
    n_kept = int(filt.kept_mask_.sum())
    n_issues = int(filt.label_issues_mask_.sum())
    assert lines[3] == (
        f"[{name}] kept {n_kept} of 400 labels; {n_issues} flagged as label issues"
    )


def test_verbose_2_shows_the_networks_own_epochs(digits, capsys):
    net = CNNClassifier(MLP, max_epochs=2, batch_size=64, random_state=0)
    filt = ConfidenceRankFilter(estimator=net, cv=2, verbose=2, random_state=0)
    filt.fit_resample(*digits)
    out = capsys.readouterr().out
    assert out.count("train_loss") == 2  # one epoch table per fold
    assert net.verbose == 0  # the estimator passed is not modified


def test_in_sample_probabilities_print_one_line(digits, capsys):
    ConfidenceRankFilter(cv=None, verbose=1, random_state=0).fit_resample(*digits)
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("[ConfidenceRankFilter] fitted Pipeline on all 400 rows")


def test_folds_match_cross_val_predict(digits):
    X, y = digits
    cv = KFold(4, shuffle=True, random_state=0)
    estimator = LogisticRegression(max_iter=200)
    filt = ConfidenceRankFilter(estimator=estimator, cv=cv).fit(X, y)
    expected = cross_val_predict(estimator, X, y, cv=cv, method="predict_proba")
    np.testing.assert_allclose(filt.y_proba_, expected)


def test_folds_that_do_not_test_every_row_are_refused(digits):
    X, y = digits
    indices = np.arange(y.shape[0])
    one_split = [(indices[:300], indices[300:])]
    with pytest.raises(ValueError, match="test every row exactly once"):
        ConfidenceRankFilter(cv=one_split).fit(X, y)
