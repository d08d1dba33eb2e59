import numpy as np
import pandas as pd
import pytest
import sklearn
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline as sklearn_make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier
from sklearn.svm import SVC

import skclean
from skclean import FilteredClassifier, LabelNoise, Pipeline, make_pipeline
from skclean.base import BaseLabelFilter
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter
from skclean.noise import flip_labels
from skclean.utils import accepts_unlabeled


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    y_noisy = flip_labels(y, rate=0.3, random_state=0)
    weights = np.linspace(0.5, 2.0, y.shape[0])
    return X, y, y_noisy, weights


class Recorder(ClassifierMixin, BaseEstimator):
    """Remembers what its fit received; predicts the first class."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sample_weight_ = X, np.asarray(y), sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class SemiSupervisedRecorder(Recorder):
    _accepts_unlabeled = True

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.classes_ = self.classes_[self.classes_ != -1]
        return self


class EveryOtherRowFilter(BaseLabelFilter):
    """Keeps the labels of the even rows; remembers its fit_resample metadata."""

    def __init__(self, *, mode="drop"):
        self.mode = mode

    def fit_resample(self, X, y, *, clean_mask=None):
        return super().fit_resample(X, y, clean_mask=clean_mask)

    def _select_labels(self, X, y, clean_mask=None):
        self.clean_mask_seen_ = clean_mask
        return np.arange(y.shape[0]) % 2 == 0


class RowDoubler(BaseEstimator):
    """A sampler that duplicates every row and does not record which."""

    def fit_resample(self, X, y):
        return np.concatenate([X, X]), np.concatenate([y, y])


def _kmeans():
    return KMeansLabelFilter(random_state=0)


# -- make_pipeline and Pipeline ------------------------------------------------


def test_make_pipeline_is_skcleans_and_top_level():
    pipe = skclean.make_pipeline(_kmeans(), LogisticRegression())
    assert type(pipe) is Pipeline
    assert isinstance(pipe, ImbPipeline)
    assert list(pipe.named_steps) == ["kmeanslabelfilter", "logisticregression"]
    assert is_classifier(pipe)


def test_sklearn_pipeline_refuses_a_filter(data):
    # Why users import make_pipeline from skclean (docs/user_guide/pipelines.rst).
    X, _, y_noisy, _ = data
    with pytest.raises(TypeError, match="transform"):
        sklearn_make_pipeline(_kmeans(), LogisticRegression()).fit(X, y_noisy)


def test_filter_runs_at_fit_time_only(data):
    X, _, y_noisy, _ = data
    pipe = make_pipeline(_kmeans(), Recorder()).fit(X, y_noisy)
    kept = pipe[0].sample_indices_
    assert 0 < kept.shape[0] < X.shape[0]
    np.testing.assert_array_equal(pipe[-1].X_, X[kept])
    assert pipe.predict(X).shape == (X.shape[0],)  # every row at predict time


@pytest.mark.parametrize("routing", [False, True])
def test_sample_weight_follows_the_kept_rows(data, routing):
    X, _, y_noisy, w = data
    X_before, w_before = X.copy(), w.copy()
    with sklearn.config_context(enable_metadata_routing=routing):
        if routing:
            pipe = make_pipeline(
                _kmeans(), Recorder().set_fit_request(sample_weight=True)
            )
            pipe.fit(X, y_noisy, sample_weight=w)
        else:
            pipe = make_pipeline(_kmeans(), Recorder())
            pipe.fit(X, y_noisy, recorder__sample_weight=w)
    kept = pipe[0].sample_indices_
    np.testing.assert_array_equal(pipe[-1].sample_weight_, w[kept])
    np.testing.assert_array_equal(pipe[-1].y_, y_noisy[kept])
    np.testing.assert_array_equal(X, X_before)  # inputs untouched
    np.testing.assert_array_equal(w, w_before)


@pytest.mark.parametrize("routing", [False, True])
def test_weighted_fit_equals_fit_on_the_kept_rows(data, routing):
    X, _, y_noisy, w = data
    with sklearn.config_context(enable_metadata_routing=routing):
        clf = LogisticRegression(max_iter=500)
        if routing:
            clf.set_fit_request(sample_weight=True)
            pipe = make_pipeline(_kmeans(), clf).fit(X, y_noisy, sample_weight=w)
        else:
            pipe = make_pipeline(_kmeans(), clf)
            pipe.fit(X, y_noisy, logisticregression__sample_weight=w)
        kept = pipe[0].sample_indices_
        direct = LogisticRegression(max_iter=500).fit(
            X[kept], y_noisy[kept], sample_weight=w[kept]
        )
    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_)


def test_metadata_composes_through_several_samplers(data):
    X, _, y_noisy, w = data
    pipe = make_pipeline(
        LabelNoise(rate=0.1, random_state=0),  # keeps every row
        "passthrough",
        EveryOtherRowFilter(),
        StandardScaler(),
        RandomUnderSampler(random_state=0),
        Recorder(),
    )
    pipe.fit(X, y_noisy, recorder__sample_weight=w)
    rows = pipe[2].sample_indices_[pipe[4].sample_indices_]
    np.testing.assert_array_equal(pipe[-1].sample_weight_, w[rows])
    np.testing.assert_allclose(pipe[-1].X_, pipe[3].transform(X[rows]))


def test_pandas_sample_weight_follows_rows(data):
    X, _, y_noisy, w = data
    w_series = pd.Series(w, index=np.arange(len(w)) + 1000)
    pipe = make_pipeline(EveryOtherRowFilter(), Recorder())
    pipe.fit(pd.DataFrame(X), pd.Series(y_noisy), recorder__sample_weight=w_series)
    seen = pipe[-1].sample_weight_
    assert isinstance(seen, pd.Series)
    np.testing.assert_array_equal(seen.to_numpy(), w[::2])


def test_unlabel_mode_passes_metadata_unchanged(data):
    X, _, y_noisy, w = data
    pipe = make_pipeline(
        KMeansLabelFilter(mode="unlabel", random_state=0), SemiSupervisedRecorder()
    )
    pipe.fit(X, y_noisy, semisupervisedrecorder__sample_weight=w)
    assert pipe[-1].sample_weight_ is w
    assert np.sum(pipe[-1].y_ == -1) == np.sum(~pipe[0].kept_mask_) > 0


@pytest.mark.parametrize("routing", [False, True])
def test_filter_metadata_reaches_the_filter_and_is_resampled_for_later_filters(
    data, routing
):
    X, _, y_noisy, w = data
    clean_mask = np.zeros(len(y_noisy), dtype=bool)
    clean_mask[::3] = True
    with sklearn.config_context(enable_metadata_routing=routing):
        first, second = EveryOtherRowFilter(), EveryOtherRowFilter()
        if routing:
            first.set_fit_resample_request(clean_mask=True)
            second.set_fit_resample_request(clean_mask=True)
            pipe = make_pipeline(first, second, Recorder()).fit(
                X, y_noisy, clean_mask=clean_mask
            )
        else:
            pipe = Pipeline([("a", first), ("b", second), ("clf", Recorder())])
            pipe.fit(X, y_noisy, a__clean_mask=clean_mask, b__clean_mask=clean_mask)
    assert pipe[0].clean_mask_seen_ is clean_mask
    np.testing.assert_array_equal(pipe[1].clean_mask_seen_, clean_mask[::2])


@pytest.mark.parametrize("routing", [False, True])
def test_confidence_filter_gets_its_clean_mask(data, routing):
    X, y, y_noisy, _ = data
    clean_mask = np.zeros(len(y), dtype=bool)
    clean_mask[::2] = True
    y_trusted = np.where(clean_mask, y, y_noisy)
    with sklearn.config_context(enable_metadata_routing=routing):
        filt = ConfidenceRankFilter(estimator=LogisticRegression(max_iter=200))
        if routing:
            filt.set_fit_resample_request(clean_mask=True)
            pipe = make_pipeline(filt, LogisticRegression()).fit(
                X, y_trusted, clean_mask=clean_mask
            )
        else:
            pipe = make_pipeline(filt, LogisticRegression())
            pipe.fit(X, y_trusted, confidencerankfilter__clean_mask=clean_mask)
    # The clean-set variant trains one classifier per class and keeps clean rows.
    assert len(pipe[0].estimators_) == 10
    assert pipe[0].kept_mask_[clean_mask].all()


def test_sampler_without_sample_indices_and_per_sample_metadata(data):
    X, _, y_noisy, w = data
    pipe = make_pipeline(RowDoubler(), Recorder())
    with pytest.raises(ValueError, match=r"rowdoubler.*sample_indices_"):
        pipe.fit(X, y_noisy, recorder__sample_weight=w)
    pipe.fit(X, y_noisy)  # without metadata there is nothing to align
    assert pipe[-1].X_.shape[0] == 2 * X.shape[0]


def test_imblearn_drops_filter_metadata_we_do_not(data):
    # imbalanced-learn files step params under "fit", which samplers never read.
    X, _, y_noisy, _ = data
    mask = np.ones(len(y_noisy), dtype=bool)
    imb = ImbPipeline([("f", EveryOtherRowFilter()), ("clf", Recorder())])
    imb.fit(X, y_noisy, f__clean_mask=mask)
    ours = Pipeline([("f", EveryOtherRowFilter()), ("clf", Recorder())])
    ours.fit(X, y_noisy, f__clean_mask=mask)
    assert imb[0].clean_mask_seen_ is None
    assert ours[0].clean_mask_seen_ is mask


# -- refusing unlabelled rows for supervised estimators --------------------------


@pytest.mark.parametrize(
    "final",
    [LogisticRegression(), FilteredClassifier(_kmeans(), LogisticRegression())],
    ids=["LogisticRegression", "FilteredClassifier"],
)
def test_unlabel_filter_before_supervised_classifier_is_refused(data, final):
    X, _, y_noisy, _ = data
    pipe = make_pipeline(KMeansLabelFilter(mode="unlabel", random_state=0), final)
    with pytest.raises(ValueError, match=r"'kmeanslabelfilter'.*mode='unlabel'") as err:
        pipe.fit(X, y_noisy)
    message = str(err.value)
    assert "kmeanslabelfilter__mode='drop'" in message
    assert "SelfTrainingClassifier" in message
    assert type(final).__name__ in message


def test_unlabel_filter_before_later_sampler_is_refused(data):
    X, _, y_noisy, _ = data
    pipe = make_pipeline(
        KMeansLabelFilter(mode="unlabel", random_state=0),
        LabelNoise(random_state=0),
        SelfTrainingClassifier(LogisticRegression()),
    )
    with pytest.raises(ValueError, match="'labelnoise'"):
        pipe.fit(X, y_noisy)


@pytest.mark.parametrize(
    "final",
    [
        SelfTrainingClassifier(LogisticRegression(max_iter=200), max_iter=2),
        LabelSpreading(),
        make_pipeline(
            StandardScaler(), SelfTrainingClassifier(LogisticRegression(), max_iter=2)
        ),
        FilteredClassifier(
            "passthrough", SelfTrainingClassifier(LogisticRegression(), max_iter=2)
        ),
        SemiSupervisedRecorder(),
        "passthrough",
    ],
    ids=lambda est: type(est).__name__,
)
def test_unlabel_filter_before_semi_supervised_estimator(data, final):
    X, _, y_noisy, _ = data
    pipe = Pipeline(
        [
            ("noise", "passthrough"),
            ("filter", KMeansLabelFilter(mode="unlabel", random_state=0)),
            ("clf", final),
        ]
    )
    if final == "passthrough":
        pipe.fit(X, y_noisy)  # nothing learns from y after the filter
        assert not pipe[1].kept_mask_.all()
    else:
        pipe.fit(X, y_noisy)
        assert -1 not in pipe.classes_
        assert pipe.predict(X).shape == (X.shape[0],)


def test_accepts_unlabeled():
    semi = SelfTrainingClassifier(LogisticRegression())
    assert accepts_unlabeled(semi)
    assert accepts_unlabeled(LabelSpreading) and accepts_unlabeled(LabelSpreading())
    assert accepts_unlabeled(SemiSupervisedRecorder())
    assert not accepts_unlabeled(LogisticRegression())
    assert not accepts_unlabeled(LogisticRegression)
    assert not accepts_unlabeled("passthrough")
    assert not accepts_unlabeled(None)
    # meta-estimators that hand y on unchanged
    assert accepts_unlabeled(make_pipeline(StandardScaler(), semi))
    assert accepts_unlabeled(sklearn_make_pipeline(StandardScaler(), semi))
    assert not accepts_unlabeled(make_pipeline(StandardScaler(), LogisticRegression()))
    assert not accepts_unlabeled(make_pipeline(StandardScaler(), "passthrough"))
    assert accepts_unlabeled(FilteredClassifier(_kmeans(), semi))
    assert not accepts_unlabeled(FilteredClassifier(_kmeans(), LogisticRegression()))
    assert accepts_unlabeled(GridSearchCV(semi, {"threshold": [0.7, 0.9]}))
    # ... and those that encode y themselves
    assert not accepts_unlabeled(CalibratedClassifierCV(semi))

    class MySelfTraining(SelfTrainingClassifier):
        pass

    assert accepts_unlabeled(MySelfTraining(LogisticRegression()))

    class OptOut(SelfTrainingClassifier):
        _accepts_unlabeled = False

    assert not accepts_unlabeled(OptOut(LogisticRegression()))


# -- FilteredClassifier ------------------------------------------------------------


def test_filtered_classifier_fits_clones_and_delegates(data):
    X, y, y_noisy, _ = data
    filt, clf = _kmeans(), LogisticRegression(max_iter=300)
    model = FilteredClassifier(filt, clf).fit(X, y_noisy)
    assert is_classifier(model)
    assert not hasattr(filt, "sample_indices_") and not hasattr(clf, "coef_")
    kept = model.filter_.sample_indices_
    reference = LogisticRegression(max_iter=300).fit(X[kept], y_noisy[kept])
    np.testing.assert_array_equal(model.classes_, reference.classes_)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_allclose(
        model.predict_log_proba(X), reference.predict_log_proba(X)
    )
    np.testing.assert_allclose(
        model.decision_function(X), reference.decision_function(X)
    )
    assert model.score(X, y) == reference.score(X, y)
    assert model.n_features_in_ == X.shape[1]


def test_filtered_classifier_methods_follow_the_classifier():
    model = FilteredClassifier(_kmeans(), SVC())
    assert hasattr(model, "decision_function")
    assert not hasattr(model, "predict_proba")
    assert hasattr(
        FilteredClassifier(_kmeans(), SVC(probability=True)), "predict_proba"
    )


def test_filtered_classifier_passthrough_is_plain_training(data):
    X, _, y_noisy, _ = data
    model = FilteredClassifier("passthrough", LogisticRegression(max_iter=300))
    model.fit(X, y_noisy)
    assert model.filter_ is None
    plain = LogisticRegression(max_iter=300).fit(X, y_noisy)
    np.testing.assert_allclose(model.classifier_.coef_, plain.coef_)


@pytest.mark.parametrize("routing", [False, True])
def test_filtered_classifier_sample_weight_follows_rows(data, routing):
    X, _, y_noisy, w = data
    with sklearn.config_context(enable_metadata_routing=routing):
        recorder = Recorder()
        if routing:
            recorder.set_fit_request(sample_weight=True)
        model = FilteredClassifier(_kmeans(), recorder).fit(X, y_noisy, sample_weight=w)
    kept = model.filter_.sample_indices_
    np.testing.assert_array_equal(model.classifier_.sample_weight_, w[kept])


@pytest.mark.parametrize("routing", [False, True])
def test_filtered_classifier_filter_metadata(data, routing):
    X, _, y_noisy, _ = data
    mask = np.ones(len(y_noisy), dtype=bool)
    with sklearn.config_context(enable_metadata_routing=routing):
        filt = EveryOtherRowFilter()
        if routing:
            filt.set_fit_resample_request(clean_mask=True)
            model = FilteredClassifier(filt, Recorder()).fit(
                X, y_noisy, clean_mask=mask
            )
        else:
            model = FilteredClassifier(filt, Recorder())
            model.fit(X, y_noisy, filter__clean_mask=mask)
    assert model.filter_.clean_mask_seen_ is mask


def test_filtered_classifier_rejects_unknown_params(data):
    X, _, y_noisy, w = data
    with pytest.raises(TypeError, match="filter__<name>"):
        FilteredClassifier(_kmeans(), Recorder()).fit(X, y_noisy, weights=w)

    class NoWeights(Recorder):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.raises(TypeError, match="NoWeights.fit does not take sample_weight"):
        FilteredClassifier(_kmeans(), NoWeights()).fit(X, y_noisy, sample_weight=w)


def test_filtered_classifier_refuses_unlabel_before_supervised(data):
    X, _, y_noisy, _ = data
    model = FilteredClassifier(
        KMeansLabelFilter(mode="unlabel", random_state=0), LogisticRegression()
    )
    with pytest.raises(ValueError, match=r"filter__mode='drop'"):
        model.fit(X, y_noisy)
    model.set_params(
        classifier=SelfTrainingClassifier(LogisticRegression(), max_iter=2)
    )
    assert -1 not in model.fit(X, y_noisy).classes_


def test_filtered_classifier_inside_other_meta_estimators(data):
    X, y, y_noisy, _ = data
    model = FilteredClassifier(_kmeans(), LogisticRegression(max_iter=300))

    scaled = sklearn_make_pipeline(StandardScaler(), clone(model)).fit(X, y_noisy)
    assert scaled.score(X, y) > 0.5

    calibrated = CalibratedClassifierCV(clone(model), cv=3).fit(X, y_noisy)
    proba = calibrated.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)

    stacked = StackingClassifier(
        [("filtered", clone(model)), ("plain", LogisticRegression(max_iter=300))],
        cv=3,
    ).fit(X, y_noisy)
    assert stacked.score(X, y) > 0.5


def test_filtered_classifier_image_input_with_a_net(data):
    from skclean.nets import CNNClassifier

    X, y, y_noisy, _ = data
    images = X.reshape(-1, 1, 8, 8).astype(np.float32)
    model = FilteredClassifier(
        _kmeans(), CNNClassifier(max_epochs=2, batch_size=64, random_state=0)
    ).fit(images, y_noisy)
    assert model.predict(images).shape == (X.shape[0],)
    assert model.predict_proba(images).shape == (X.shape[0], 10)


def test_unlabel_filter_feeds_the_pi_model(data):
    from skclean.nets import MLP, PiModelClassifier

    X, y, y_noisy, _ = data
    net = PiModelClassifier(MLP, max_epochs=2, batch_size=64, random_state=0)
    assert accepts_unlabeled(net)
    pipe = make_pipeline(KMeansLabelFilter(mode="unlabel", random_state=0), net)
    pipe.fit(X.astype(np.float32), y_noisy)
    np.testing.assert_array_equal(pipe.classes_, np.arange(10))
    assert pipe.predict(X.astype(np.float32)).shape == y.shape
