"""PiModelClassifier: semi-supervised training on the labels a filter kept."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from skclean.nets import MLP, CNNClassifier, PiModelClassifier
from skclean.nets._data import DeviceDataset, SemiSupervisedBatches
from skclean.nets._pi_model import translate
from skclean.nets.callbacks import MeanTeacher, gaussian_rampup, schedule_epochs


@pytest.fixture(scope="module")
def hidden_digits():
    """Digits with 90% of the training labels hidden (-1)."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(y))
    train, test = perm[:1300], perm[1300:]
    y_partial = y[train].copy()
    hidden = rng.rand(len(train)) < 0.9
    y_partial[hidden] = -1
    return X[train], y_partial, y[train], X[test], y[test]


def _fast(**params):
    defaults = {"module": MLP, "max_epochs": 3, "batch_size": 64, "random_state": 0}
    return PiModelClassifier(**{**defaults, **params})


@pytest.mark.slow
@pytest.mark.parametrize(
    "ensemble, weight, margin",
    [
        ("pi", None, 0.01),
        ("temporal", 100.0, 0.0),
        ("mean_teacher", None, 0.0),
        ("vat", None, 0.01),
    ],
)
def test_beats_the_same_net_on_the_labelled_rows_alone(
    hidden_digits, ensemble, weight, margin
):
    X, y_partial, _, X_test, y_test = hidden_digits
    labeled = y_partial != -1
    pi = _fast(ensemble=ensemble, max_epochs=30, unsupervised_weight=weight)
    pi.fit(X, y_partial)
    steps = len(pi.history_) * pi.history_[-1, "train_batch_count"]
    # The supervised net gets at least as many optimizer steps as the Pi-model.
    epochs = int(np.ceil(steps / np.ceil(labeled.sum() / 64)))
    supervised = CNNClassifier(
        module=MLP, max_epochs=epochs, batch_size=64, random_state=0
    )
    supervised.fit(X[labeled], y_partial[labeled])
    assert pi.score(X_test, y_test) > supervised.score(X_test, y_test) + margin


def test_classes_come_from_labelled_rows_only(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast().fit(X, y_partial)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert -1 not in set(clf.predict(X))
    assert clf.n_labeled_ == int(np.sum(y_partial != -1))


def test_string_labels_with_minus_one_as_unlabelled(hidden_digits):
    X, y_partial, *_ = hidden_digits
    names = np.array(list("abcdefghij"), dtype=object)
    y_obj = np.where(y_partial == -1, -1, names[np.clip(y_partial, 0, 9)]).astype(
        object
    )
    clf = _fast().fit(X, y_obj)
    np.testing.assert_array_equal(clf.classes_, names)
    assert set(clf.predict(X[:20])) <= set(names)


def test_no_nan_loss_with_batches_without_labels(hidden_digits):
    X, y_partial, *_ = hidden_digits
    y_few = np.full_like(y_partial, -1)
    y_few[:2] = [0, 1]  # two labelled rows in 1300
    clf = _fast(batch_size=16, balance_classes=False).fit(X, y_few)
    losses = [row["train_loss"] for row in clf.history_]
    assert np.all(np.isfinite(losses))


def test_all_unlabelled_raises(hidden_digits):
    X, *_ = hidden_digits
    with pytest.raises(ValueError, match="needs labelled rows"):
        _fast().fit(X[:50], np.full(50, -1))


def test_one_labelled_class_raises(hidden_digits):
    X, *_ = hidden_digits
    y = np.full(50, -1)
    y[:5] = 3
    with pytest.raises(ValueError, match="at least two classes"):
        _fast().fit(X[:50], y)


def test_batches_are_half_labelled_half_unlabelled():
    y = torch.tensor([0, 0, 0, 1] + [-1] * 12)
    dataset = DeviceDataset(torch.zeros(16, 2), y)
    batches = SemiSupervisedBatches(
        dataset,
        None,
        8,
        generator=torch.Generator().manual_seed(0),
        balance_classes=True,
    )
    assert len(batches) == 3  # 12 unlabelled rows, 4 per batch
    drawn = []
    for _, yb in batches:
        assert (yb >= 0).sum() == 4 and (yb < 0).sum() == 4
        drawn.append(yb[yb >= 0])
    labels = torch.cat(drawn)
    # Class-balanced: the single row of class 1 is oversampled to about half.
    assert 3 <= int((labels == 1).sum()) <= 9
    unlabeled_rows = torch.cat([inputs["rows"][yb < 0] for inputs, yb in batches])
    assert sorted(unlabeled_rows.tolist()) == list(range(4, 16))


def test_translation_shifts_images_and_keeps_shape():
    X = torch.zeros(50, 1, 28, 28)
    X[:, :, 14, 14] = 1.0
    shifted = translate(X, 2, generator=torch.Generator().manual_seed(0))
    assert shifted.shape == X.shape
    positions = shifted[:, 0].flatten(1).argmax(1)
    rows, cols = positions // 28, positions % 28
    assert (
        rows.min() >= 12 and rows.max() <= 16 and cols.min() >= 12 and cols.max() <= 16
    )
    assert len(set(positions.tolist())) > 5


def test_schedule_lengths_in_epochs_or_as_a_fraction():
    assert schedule_epochs(10, 300) == 10
    assert schedule_epochs(80 / 300, 300) == 80
    assert schedule_epochs(0.25, 30) == 8 and schedule_epochs(0.25, 15) == 4
    assert schedule_epochs(0, 30) == 0


def test_gaussian_rampup_schedule():
    values = [gaussian_rampup(t, 10) for t in range(12)]
    assert values[0] == pytest.approx(np.exp(-5))
    assert all(a <= b for a, b in zip(values, values[1:]))
    assert values[10] == values[11] == 1.0
    assert gaussian_rampup(0, 0) == 1.0


def test_consistency_weight_ramps_up_and_scales(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(
        max_epochs=4, rampup_epochs=4, unsupervised_weight=100, ensemble="temporal"
    ).fit(X, y_partial)
    weights = clf.history_[:, "consistency_weight"]
    assert all(a < b for a, b in zip(weights, weights[1:]))
    # By default the weight scales with the share of unlabelled rows.
    unlabelled = np.mean(y_partial == -1)
    assert clf.unsupervised_weight_ == pytest.approx(100 * unlabelled)
    fixed = _fast(max_epochs=2, rampup_epochs=0, scale_unsupervised_weight=False)
    # VAT, the default, takes Miyato et al.'s 1; temporal ensembling Laine &
    # Aila's 30.
    assert fixed.fit(X, y_partial).history_[:, "consistency_weight"] == [1.0, 1.0]
    fixed.set_params(ensemble="temporal").fit(X, y_partial)
    assert fixed.history_[:, "consistency_weight"] == [30.0, 30.0]


@pytest.mark.parametrize("scale", ["labeled", True])
def test_laine_aila_labelled_fraction_scaling_is_kept(hidden_digits, scale):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=1, ensemble="pi", scale_unsupervised_weight=scale)
    clf.fit(X, y_partial)
    assert clf.unsupervised_weight_ == pytest.approx(100 * np.mean(y_partial != -1))


def test_rampup_is_a_fraction_of_max_epochs_by_default(hidden_digits):
    X, y_partial, *_ = hidden_digits
    for epochs in (4, 8):
        clf = _fast(max_epochs=epochs, rampup_epochs=0.5).fit(X, y_partial)
        weights = np.asarray(clf.history_[:, "consistency_weight"])
        # Full weight from half-way through, whatever the length of the fit.
        full = np.isclose(weights, clf.unsupervised_weight_)
        assert full.tolist() == [False] * (epochs // 2) + [True] * (epochs // 2)
    with pytest.raises(ValueError, match="rampup_epochs"):
        _fast(rampup_epochs=1.5).fit(X, y_partial)


@pytest.mark.parametrize(
    "ensemble, expected", [("vat", 0), ("temporal", 0.25), ("pi", 0.25)]
)
def test_default_rampup_depends_on_the_ensemble(hidden_digits, ensemble, expected):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=4, ensemble=ensemble).fit(X, y_partial)
    assert clf.rampup_epochs is None  # the parameter is left as passed
    assert dict(clf.callbacks_)["consistency_rampup"].rampup_epochs == expected
    weights = np.asarray(clf.history_[:, "consistency_weight"])
    at_full = np.isclose(weights, clf.unsupervised_weight_)
    # VAT: full weight from the first epoch; the others ramp up over one epoch.
    assert at_full.tolist() == [expected == 0] + [True] * 3
    # An explicit value wins over the ensemble's default.
    clf = _fast(max_epochs=4, ensemble="vat", rampup_epochs=0.5).fit(X, y_partial)
    assert not np.isclose(
        clf.history_[0, "consistency_weight"], clf.unsupervised_weight_
    )


def test_no_unlabelled_rows_costs_nothing(hidden_digits):
    # Every row labelled: the default weight is 0, so the net trains exactly
    # as with the consistency term switched off (no second pass).
    X, _, y_true, X_test, _ = hidden_digits
    with pytest.warns(UserWarning, match="Every row of y is labelled"):
        default = _fast(max_epochs=2).fit(X, y_true)
    with warnings.catch_warnings():  # switched off on purpose: no warning
        warnings.simplefilter("error")
        off = _fast(max_epochs=2, unsupervised_weight=0).fit(X, y_true)
    assert default.unsupervised_weight_ == 0.0
    assert set(default.history_[:, "train_consistency_loss"]) == {0.0}
    np.testing.assert_array_equal(
        default.predict_proba(X_test), off.predict_proba(X_test)
    )


@pytest.mark.parametrize("ensemble", ["pi", "temporal", "mean_teacher", "vat"])
def test_history_records_both_losses(hidden_digits, ensemble):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=2, ensemble=ensemble).fit(X, y_partial)
    supervised = clf.history_[:, "train_supervised_loss"]
    consistency = clf.history_[:, "train_consistency_loss"]
    assert all(np.isfinite(supervised)) and all(v >= 0 for v in consistency)
    assert consistency[-1] > 0


def test_entropy_term_follows_the_consistency_weight(hidden_digits):
    X, y_partial, y_true, *_ = hidden_digits
    unlabelled = np.mean(y_partial == -1)
    vat = _fast(max_epochs=1, ensemble="vat").fit(X, y_partial)
    # Miyato et al.'s VAT+EntMin: both weights 1, scaled like the consistency.
    assert vat.unsupervised_weight_ == pytest.approx(unlabelled)
    assert vat.entropy_weight_ == pytest.approx(unlabelled)
    temporal = _fast(max_epochs=1, ensemble="temporal").fit(X, y_partial)
    assert temporal.entropy_weight_ == 0.0
    # Any ensemble takes an entropy term, whatever its consistency weight.
    temporal.set_params(entropy_weight=0.5, unsupervised_weight=10)
    assert temporal.fit(X, y_partial).entropy_weight_ == pytest.approx(0.5 * unlabelled)
    off = _fast(max_epochs=1, ensemble="vat", unsupervised_weight=0)
    assert off.fit(X, y_partial).entropy_weight_ == 0.0
    with pytest.warns(UserWarning, match="Every row of y is labelled"):
        assert _fast(max_epochs=1, ensemble="vat").fit(X, y_true).entropy_weight_ == 0


def test_entropy_term_sharpens_predictions_on_unlabelled_rows(hidden_digits):
    X, y_partial, *_ = hidden_digits
    unlabelled = y_partial == -1

    def mean_entropy(clf):
        proba = clf.predict_proba(X[unlabelled])
        return -np.mean(np.sum(proba * np.log(proba + 1e-12), axis=1))

    # A negligible consistency term: what differs is the entropy term alone.
    params = dict(
        ensemble="temporal", max_epochs=6, rampup_epochs=0, unsupervised_weight=1e-6
    )
    plain = _fast(**params).fit(X, y_partial)
    sharp = _fast(entropy_weight=1.0, **params).fit(X, y_partial)
    assert mean_entropy(sharp) < 0.7 * mean_entropy(plain)


def test_vat_perturbation_has_the_asked_radius(hidden_digits, monkeypatch):
    X, y_partial, *_ = hidden_digits
    seen = []
    forward = PiModelClassifier._forward

    def spy(self, X_in, **kwargs):
        seen.append(X_in.detach().clone())
        return forward(self, X_in, **kwargs)

    monkeypatch.setattr(PiModelClassifier, "_forward", spy)
    clf = _fast(max_epochs=1, ensemble="vat", vat_epsilon=0.7, rampup_epochs=0)
    clf.set_params(noise_std=0.0).fit(X[:64], y_partial[:64])
    # Per batch: the perturbed rows, then the same rows plus r_adv.
    moved = (seen[1] - seen[0]).flatten(1).norm(dim=1)
    np.testing.assert_allclose(moved.numpy(), 0.7, rtol=1e-4)


def test_vat_with_mixed_precision(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=1, ensemble="vat", mixed_precision=True)
    clf.fit(X, y_partial)
    assert np.isfinite(clf.history_[-1, "train_consistency_loss"])
    assert clf.history_[-1, "train_consistency_loss"] > 0


def test_mean_teacher_is_an_average_of_the_student(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=2, ensemble="mean_teacher")
    seen = {}

    class Spy(MeanTeacher):
        def on_train_end(self, net, **kwargs):
            seen["teacher"] = {
                k: v.clone() for k, v in self.teacher_.state_dict().items()
            }
            super().on_train_end(net, **kwargs)

    clf.fit(X, y_partial)
    teacher = dict(clf.callbacks_)["mean_teacher"]
    assert teacher.decay == 0.99 and teacher.teacher_ is None  # released
    assert (
        teacher.n_updates_ == len(clf.history_) * clf.history_[-1, "train_batch_count"]
    )
    # The update rule, on a hand-made pair.
    student = torch.nn.Linear(2, 1)
    net = type("Net", (), {"module_": student})()
    spy = Spy(decay=0.5)
    spy.on_train_begin(net)
    before = spy.teacher_.weight.clone()
    with torch.no_grad():
        student.weight.add_(1.0)
    spy.update()  # first step: a = min(1 - 1/2, 0.5) = 0.5
    torch.testing.assert_close(spy.teacher_.weight, before + 0.5)
    spy.on_train_end(net)
    torch.testing.assert_close(seen["teacher"]["weight"], before + 0.5)


def test_mean_teacher_learns_from_unlabelled_rows(hidden_digits):
    X, y_partial, _, X_test, y_test = hidden_digits
    clf = _fast(max_epochs=6, ensemble="mean_teacher").fit(X, y_partial)
    assert clf.score(X_test, y_test) > 0.6


def test_rampdown_as_a_fraction(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=4, rampdown_epochs=0.5, lr=0.01).fit(X, y_partial)
    factor = dict(clf.callbacks_)["lr_rampdown"].lr_lambda
    assert [factor(e) == 1.0 for e in range(4)] == [True, True, True, False]
    assert clf.optimizer_.param_groups[0]["lr"] < 0.01


def test_lr_rampdown(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=4, rampdown_epochs=2, lr=0.01).fit(X, y_partial)
    assert clf.optimizer_.param_groups[0]["lr"] < 0.01


def test_a_skorch_lr_scheduler_sets_the_learning_rate(hidden_digits):
    # Without a ramp-down the net leaves the learning rate to the user's
    # callbacks, e.g. the cosine schedule of the MNIST benchmark.
    X, y_partial, *_ = hidden_digits
    schedule = LRScheduler(CosineAnnealingLR, T_max=4)
    clf = _fast(max_epochs=2, lr=0.01, callbacks=[("lr", schedule)])
    clf.fit(X, y_partial)
    # Two of four cosine steps: half the initial rate.
    assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(0.005)


def test_warm_start_from_a_fitted_cnnclassifier(hidden_digits):
    X, y_partial, y_true, X_test, y_test = hidden_digits
    stage1 = CNNClassifier(module=MLP, max_epochs=20, batch_size=64, random_state=0)
    stage1.fit(X, y_true)
    pi = _fast(max_epochs=0, pretrained=stage1).fit(X, y_partial)
    np.testing.assert_allclose(pi.predict_proba(X_test), stage1.predict_proba(X_test))
    other = CNNClassifier(module=MLP, max_epochs=1).fit(X[:40], np.arange(40) % 3)
    with pytest.raises(ValueError, match="classes"):
        _fast(pretrained=other).fit(X, y_partial)
    with pytest.raises(ValueError, match="pretrained"):
        _fast(pretrained="weights.pt").fit(X, y_partial)


def test_images_with_the_cnn(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = PiModelClassifier(max_epochs=1, batch_size=128, random_state=0)
    clf.fit(X[:300].reshape(-1, 1, 8, 8), y_partial[:300])
    assert clf.predict(X[:5].reshape(-1, 1, 8, 8)).shape == (5,)


@pytest.mark.slow
def test_mixed_precision_and_channels_last(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = PiModelClassifier(
        max_epochs=1,
        batch_size=128,
        random_state=0,
        mixed_precision=True,
        channels_last=True,
    )
    clf.fit(X[:300].reshape(-1, 1, 8, 8), y_partial[:300])
    proba = clf.predict_proba(X[:5].reshape(-1, 1, 8, 8))
    assert proba.dtype == np.float32
    assert np.all(np.isfinite(proba))


def test_same_seed_same_model_and_pickle(hidden_digits):
    X, y_partial, *_ = hidden_digits
    a = _fast(ensemble="temporal").fit(X, y_partial)
    b = _fast(ensemble="temporal").fit(X, y_partial)
    np.testing.assert_array_equal(a.predict_proba(X[:30]), b.predict_proba(X[:30]))
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.predict_proba(X[:30]), a.predict_proba(X[:30]))


def test_internal_validation_scores_labelled_rows_only(hidden_digits):
    from skorch.dataset import ValidSplit

    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=2, train_split=ValidSplit(4, stratified=False)).fit(
        X, y_partial
    )
    assert np.isfinite(clf.history_[-1, "valid_loss"])
    # 90% of the rows are unlabelled: scored as a class, they would hold the
    # accuracy under 0.1 (the net never predicts -1).
    assert clf.history_[-1, "valid_acc"] > 0.5


def test_unknown_ensemble_raises(hidden_digits):
    X, y_partial, *_ = hidden_digits
    with pytest.raises(ValueError, match="ensemble"):
        _fast(ensemble="mean-teacher").fit(X, y_partial)
    with pytest.raises(ValueError, match="vat_epsilon"):
        _fast(ensemble="vat", vat_epsilon=0).fit(X, y_partial)
    with pytest.raises(ValueError, match="entropy_weight"):
        _fast(entropy_weight=-1).fit(X, y_partial)


def _stage1_filter(cv=None):
    from skclean.filters import ConfidenceRankFilter

    stage1 = CNNClassifier(module=MLP, max_epochs=10, batch_size=64, random_state=0)
    return ConfidenceRankFilter(mode="unlabel", estimator=stage1, cv=cv, random_state=0)


def test_warm_start_from_the_filter_in_a_pipeline(hidden_digits):
    from skclean.pipeline import FilteredClassifier, make_pipeline

    X, _, y_true, X_test, _ = hidden_digits
    pipe = make_pipeline(_stage1_filter(), _fast(max_epochs=0, pretrained="filter"))
    pipe.fit(X, y_true)
    stage1 = pipe.steps[0][1].estimator_
    pi = pipe.steps[-1][1]
    np.testing.assert_allclose(pi.predict_proba(X_test), stage1.predict_proba(X_test))
    assert pi.get_params()["pretrained"] == "filter"
    assert not any(value is stage1 for value in vars(pi).values())  # not kept

    # The hand-over is an ordinary fit parameter: the same network, passed by hand.
    by_hand = _fast(max_epochs=0, pretrained="filter").fit(
        X, pipe.steps[0][1].fit_resample(X, y_true)[1], filter_estimator=stage1
    )
    np.testing.assert_allclose(by_hand.predict_proba(X_test), pi.predict_proba(X_test))

    wrapped = FilteredClassifier(
        _stage1_filter(), _fast(max_epochs=0, pretrained="filter")
    ).fit(X, y_true)
    np.testing.assert_allclose(
        wrapped.predict_proba(X_test),
        wrapped.filter_.estimator_.predict_proba(X_test),
    )


def test_warm_start_from_the_filter_survives_clone_and_training(hidden_digits):
    from sklearn.base import clone

    from skclean.pipeline import make_pipeline

    X, _, y_true, X_test, y_test = hidden_digits
    pipe = clone(make_pipeline(_stage1_filter(), _fast(pretrained="filter")))
    assert pipe.fit(X, y_true).score(X_test, y_test) > 0.8


def test_warm_start_from_the_filter_needs_a_fitted_network(hidden_digits):
    from skclean.pipeline import make_pipeline

    X, y_partial, y_true, *_ = hidden_digits
    with pytest.raises(ValueError, match="cv=None"):
        _fast(pretrained="filter").fit(X, y_partial)
    # With cross-validation the filter's fold networks are discarded.
    with pytest.raises(ValueError, match="cv=None"):
        make_pipeline(_stage1_filter(cv=3), _fast(pretrained="filter")).fit(X, y_true)


def test_schedules_are_callbacks_that_hold_their_own_parameters(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(
        max_epochs=3, rampup_epochs=2, rampdown_epochs=2, lr=0.01, ensemble="temporal"
    )
    clf.fit(X, y_partial)
    callbacks = dict(clf.callbacks_)
    assert callbacks["consistency_rampup"].rampup_epochs == 2
    assert callbacks["lr_rampdown"].lr_lambda.rampdown_epochs == 2
    # Three scheduler steps: the rate ends at the bottom of the ramp-down.
    np.testing.assert_allclose(
        clf.optimizer_.param_groups[0]["lr"], 0.01 * np.exp(-12.5), rtol=1e-6
    )
    # The ensemble's buffers live for one fit only.
    ensemble = callbacks["temporal_ensemble"]
    assert ensemble.n_epochs_ == 3 and ensemble.ensemble_ is None


def test_no_ramp_down_means_no_scheduler_of_ours(hidden_digits):
    X, y_partial, *_ = hidden_digits
    clf = _fast(max_epochs=1, rampdown_epochs=0).fit(X, y_partial)
    assert "lr_rampdown" not in dict(clf.callbacks_)
    assert clf.optimizer_.param_groups[0]["lr"] == clf.lr
