"""sample_weight in CNNClassifier and PiModelClassifier, and routed to them."""

import numpy as np
import pytest
import sklearn
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skclean import FilteredClassifier, make_pipeline
from skclean.filters import KMeansLabelFilter
from skclean.nets import MLP, CNNClassifier, PiModelClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


def _deterministic(Estimator=CNNClassifier, **params):
    # One full-batch SGD step without dropout: the result depends on the loss only.
    defaults = dict(
        module=MLP,
        module__dropout=0.0,
        optimizer=torch.optim.SGD,
        lr=0.5,
        max_epochs=1,
        batch_size=-1,
        random_state=0,
    )
    return Estimator(**{**defaults, **params})


def _weights_of(net):
    return [p.detach().clone() for p in net.module_.parameters()]


def test_integer_weights_train_like_repeated_rows(digits):
    X, y = digits
    w = np.random.RandomState(0).randint(0, 3, size=len(y))
    weighted = _deterministic().fit(X, y, sample_weight=w)
    repeated = _deterministic().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    for a, b in zip(_weights_of(weighted), _weights_of(repeated)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    unweighted = _deterministic().fit(X, y)
    assert not torch.allclose(_weights_of(weighted)[0], _weights_of(unweighted)[0])


def test_weighted_loss_is_the_hand_written_one(digits):
    X, y = digits
    net = _deterministic(class_weight="balanced").fit(X, y)
    logits = torch.randn(len(y), 10)
    target = torch.as_tensor(y)
    w = torch.rand(len(y))
    c = torch.as_tensor(net.class_weight_)[target]
    per_row = F.cross_entropy(logits, target, reduction="none")
    expected = (w * c * per_row).sum() / (w * c).sum()
    loss = net.get_loss(logits, target, X={"X": None, "sample_weight": w})
    torch.testing.assert_close(loss, expected)
    assert net.criterion_.reduction == "mean"  # restored


def test_pi_model_weights_the_labelled_loss_only(digits):
    X, y = digits
    y_partial = y.copy()
    y_partial[::2] = -1
    w = np.ones(len(y))
    w[::2] = 1e6  # weights of unlabelled rows are not used
    params = dict(ensemble="temporal", rampup_epochs=0)
    a = _deterministic(PiModelClassifier, **params).fit(X, y_partial, sample_weight=w)
    b = _deterministic(PiModelClassifier, **params).fit(X, y_partial)
    # Full batches are half labelled, half unlabelled: the same rows each time.
    for p, q in zip(_weights_of(a), _weights_of(b)):
        torch.testing.assert_close(p, q)


def test_bad_weights_raise_clearly(digits):
    X, y = digits
    with pytest.raises(ValueError, match="[Nn]egative"):
        _deterministic().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight"):
        _deterministic().fit(X, y, sample_weight=np.ones(3))


def test_weights_are_routed_through_pipelines_and_searches(digits):
    X, y = digits
    w = np.random.RandomState(0).randint(1, 3, size=len(y)).astype(float)
    params = dict(module=MLP, max_epochs=1, random_state=0)
    make_pipeline(KMeansLabelFilter(random_state=0), CNNClassifier(**params)).fit(
        X, y, cnnclassifier__sample_weight=w
    )
    FilteredClassifier(KMeansLabelFilter(random_state=0), CNNClassifier(**params)).fit(
        X, y, sample_weight=w
    )
    GridSearchCV(CNNClassifier(**params), {"lr": [1e-3]}, cv=2).fit(
        X, y, sample_weight=w
    )
    with sklearn.config_context(enable_metadata_routing=True):
        clf = CNNClassifier(**params).set_fit_request(sample_weight=True)
        pipe = make_pipeline(KMeansLabelFilter(random_state=0), clf)
        pipe.fit(X, y, sample_weight=w)
        assert pipe[-1].initialized_
