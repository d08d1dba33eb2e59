"""ConfidenceRankFilter: keep the labels a classifier confidently agrees with."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._probabilities import (
    check_y_proba,
    class_probabilities,
    confident_rivals,
    make_estimator,
)
from ..base import BaseLabelFilter, LabelDecision
from ._neighbors import neighbors_estimator

__all__ = ["ConfidenceRankFilter"]


def _min_count(fraction, n):
    """Smallest k with ``k / n >= fraction`` (as floats compare), at most n."""
    k = int(np.ceil(fraction * n))
    while k > 0 and (k - 1) / n >= fraction:
        k -= 1
    while k < n and k / n < fraction:
        k += 1
    return min(k, n)


def _top_up(keep, agree, score, y_index, n_classes, min_fraction):
    """Add rows down each class's ranking until ``min_fraction`` of it is kept.

    The rows not yet kept are ranked agreeing rows first, then by ``score``
    (descending). Rows tied with the last one added are added too, so the
    result does not depend on the order of the rows.
    """
    keep = keep.copy()
    for k in range(n_classes):
        rows = np.flatnonzero(y_index == k)
        missing = _min_count(min_fraction, rows.size) - int(keep[rows].sum())
        if missing <= 0:
            continue
        candidates = rows[~keep[rows]]
        tier = (~agree[candidates]).astype(np.int8)
        cand_score = score[candidates]
        last = np.lexsort((-cand_score, tier))[missing - 1]
        chosen = (tier < tier[last]) | (
            (tier == tier[last]) & (cand_score >= cand_score[last])
        )
        keep[candidates[chosen]] = True
    return keep


#: ``threshold="auto"`` in ``mode="unlabel"``: Ding et al.'s threshold.
_PAPER_THRESHOLD = 0.9


class ConfidenceRankFilter(BaseLabelFilter):
    """Keep the labels that a classifier trained on the noisy data confirms.

    A classifier gives every row out-of-fold class probabilities; then, with
    a number as ``threshold`` (Ding et al.'s stage 1 [1]_), class by class:

    1. labels the classifier disagrees with (its most probable class is not the
       given label) are rejected;
    2. the agreeing rows of class ``c`` are ranked by ``P(c | x)`` and those
       with ``P(c | x) >= threshold`` are kept;
    3. if fewer than ``min_fraction`` of the class's rows are kept, more are
       added down the ranking, agreeing rows first and then, if still too few,
       the disagreeing rows ranked by ``P(c | x)``.

    With ``threshold="auto"`` (the default) the rule depends on ``mode``:

    - ``mode="unlabel"``: ``threshold=0.9``, the paper's rule, which keeps few
      but very reliable labels for a semi-supervised learner such as
      :class:`~skclean.nets.PiModelClassifier` (the rest stay as unlabelled
      rows);
    - ``mode="drop"``: step 1 and 2 are replaced by rejecting only the labels
      that another class confidently beats: class ``j``'s threshold is the
      mean of ``P(j | x)`` over the rows labelled ``j`` (the per-class
      thresholds of confident learning [2]_), and a label is rejected when
      another class reaches its own threshold and is more probable than the
      label. It keeps nearly every label of clean data, so that a supervised
      classifier behind it loses little when there is no noise; step 3 still
      applies.

    ``ConfidenceRankFilter(threshold=0.9, min_fraction=0.1, mode="unlabel")``
    is the paper's stage 1, given the paper's classifier as ``estimator``
    (with ``cv=None``, its in-sample pre-training); see Notes.

    With a trusted subset (``clean_mask``), it follows the paper's clean-set
    variant instead: one binary classifier per class, trained on the clean rows
    of that class against the clean rows of the other classes, rejects the
    noisy rows of its class that it classifies as negative.

    Parameters
    ----------
    estimator : classifier or None, default=None
        Classifier with ``predict_proba``, cloned before fitting. ``None`` uses
        ``PCA(50)`` followed by a
        :class:`~sklearn.neighbors.KNeighborsClassifier` whose ``k`` is a
        sixth of the smallest class's rows, between 1 and 50 (sparse ``X``:
        TruncatedSVD; ``X`` with at most 50 features is not projected), as
        :class:`KMeansLabelFilter` does; in the clean-set variant,
        ``StandardScaler -> PCA(min(50, n_features)) -> LogisticRegression``
        for each binary classifier. See Notes.

    cv : int, cross-validation generator, iterable or None, default=5
        How the probabilities are computed. An int ``n`` gives
        ``StratifiedKFold(n, shuffle=True)`` seeded by ``random_state`` (every
        class then needs ``n`` rows); a splitter or an iterable of
        ``(train, test)`` splits is used as given (its test folds must
        partition the rows). ``None`` is the paper's
        in-sample pre-training: fit on all rows, predict on the same rows,
        which gives more confident (over-fitted) probabilities.
        Not used with ``y_proba`` or ``clean_mask``.

    threshold : float in [0, 1] or "auto", default="auto"
        A number: agreeing rows with ``P(label | x) >= threshold`` are kept.
        ``"auto"``: 0.9 (the paper) with ``mode="unlabel"``; with
        ``mode="drop"``, every label that no other class confidently beats
        (see above).

    min_fraction : float in [0, 1], default=0.1
        Every class keeps at least this fraction of its rows (the paper's "top
        10%"). ``0`` lets a class be emptied, with a
        :class:`~skclean.exceptions.ClassRemovedWarning`.

    mode : {"drop", "unlabel"}, default="drop"
        ``"drop"`` returns only the rows whose label is kept; ``"unlabel"``
        returns every row, with rejected labels set to -1 (the input of the
        paper's stage 2, :class:`~skclean.nets.PiModelClassifier`).

    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib), as in
        :func:`~sklearn.model_selection.cross_val_predict`.

    verbose : int, default=0
        ``1`` prints a line per model fitted for the probabilities (with its
        time) and a summary of the labels kept; ``2`` also turns on the
        ``verbose`` of the models themselves (a network's table of epochs).

    random_state : int, RandomState instance or None, default=None
        Seed of the cross-validation shuffling and of the default estimator.
        A given ``estimator`` keeps its own ``random_state``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``y``, sorted; the columns of ``y_proba_``.

    kept_mask_ : ndarray of shape (n_samples,)
        True where the label was kept.

    label_quality_ : ndarray of shape (n_samples,)
        Per-row label-quality score in [0, 1], higher for labels more likely
        right: the probability the classifier gives the row's own label (in
        the clean-set variant, the probability from its class's binary
        classifier).

    label_issues_mask_ : ndarray of shape (n_samples,)
        True for the labels the filter believes wrong: those the classifier
        disagrees with (its most probable class is another; in the clean-set
        variant, the rows not marked clean that their class's classifier calls
        negative). Not the same as ``~kept_mask_``: the ranking rule also
        rejects agreeing rows below ``threshold``, and ``min_fraction`` keeps
        some disagreeing ones.

    suggested_labels_ : ndarray of shape (n_samples,)
        The classifier's most probable class for each row.

    sample_indices_ : ndarray of shape (n_samples_resampled,)
        Indices of the returned rows in the input.

    report_ : :class:`~skclean.base.FilterReport`
        Per-class counts of kept labels and label issues, and the mean label
        quality.

    sampling_strategy_ : dict
        Number of labels kept per class.

    y_proba_ : ndarray of shape (n_samples, n_classes)
        The probabilities the decisions were based on: the out-of-fold (or
        in-sample, or given) class probabilities; in the clean-set variant,
        column ``k`` holds class ``k``'s binary classifier's probability that
        the row belongs to class ``k`` (rows need not sum to 1).

    estimator_ : estimator
        The classifier that produced ``y_proba_`` (a clone of ``estimator`` or
        the default). Fitted on all rows when ``cv=None``; with
        cross-validation its fold copies are fitted and discarded.
        None when ``y_proba`` or ``clean_mask`` is passed.

    estimators_ : list of estimators or None
        Clean-set variant only: the fitted binary classifier of each class, in
        the order of ``classes_``; None otherwise.

    n_features_in_ : int
        Number of features of ``X`` (``channels * height * width`` for images).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features of ``X``; defined only when ``X`` has string
        column names.

    See Also
    --------
    KMeansLabelFilter : Keep each label's most distinct K-means cluster.
    imblearn.under_sampling.InstanceHardnessThreshold : Keep the rows a
        classifier finds easy, to balance classes.
    cleanlab.filter.find_label_issues : Confident-learning label filter.

    Notes
    -----
    **The paper's configuration** is
    ``ConfidenceRankFilter(threshold=0.9, min_fraction=0.1, mode="unlabel")``
    (the defaults in ``mode="unlabel"``) followed by a semi-supervised
    learner; Ding et al. computed the probabilities with the network itself,
    pre-trained on all rows (``estimator=CNNClassifier(...)``, ``cv=None``).
    In ``mode="drop"`` the same rule keeps about ``min_fraction`` of each
    class under symmetric noise, which starves a supervised classifier
    (``benchmarks/results/default_filters.md``).

    **The defaults** were chosen on a noisy validation split
    (``benchmarks/study_filter_defaults.py``, results in
    ``benchmarks/results/study_filter_defaults_confidence.md``): of the rules
    tried in ``mode="drop"`` (agreement only, a fixed floor on
    ``P(label | x)``, the per-class thresholds above), the per-class
    thresholds cost the least accuracy without noise, and out-of-fold
    k-nearest-neighbour probabilities beat those of the logistic regression
    this filter used before at every noise setting, most under pair-flip
    noise, which a linear model partly learns.

    The default estimator is quadratic in the number of rows (5-fold
    probabilities for 60,000 MNIST images take tens of seconds on one CPU
    core). For large or tabular data, pass a classifier of your own, e.g.
    ``make_pipeline(StandardScaler(), PCA(50), LogisticRegression())``
    (linear in the number of rows) or a network.

    Out-of-fold probabilities estimate ``P(noisy label | x)``: under symmetric
    noise of rate ``r`` the largest is about ``1 - r``, so with ``r >= 0.1``
    few rows reach ``threshold=0.9`` and each class keeps about
    ``min_fraction`` of its rows, the most confident ones. The paper's
    in-sample pre-training (``cv=None``) with a flexible model gives more
    confident probabilities and keeps more rows, with lower precision.

    When a noise process makes the wrong label the most probable one for some
    images (asymmetric noise above 50%, e.g. 2->7 with rate 0.6), the
    classifier learns it, and neither agreement nor ranking can tell those
    labels apart: on 54,000 MNIST images with Ding et al.'s pairs at rate
    0.6, 77% of the labels this filter keeps at its defaults are correct, as
    before filtering (76%); the wrong ones are mostly 2s labelled 7. The
    clean-set variant, with 2% of each class trusted, reaches 99%
    (``benchmarks/results/filters.md``).

    Rows tied with the last row added by step 3 are kept as well, so a class
    may keep slightly more than ``min_fraction`` and the result does not
    depend on the order of the rows. A row agrees when its label has the
    highest probability (ties included).

    In a pipeline, pass ``y_proba`` or ``clean_mask`` as
    ``confidencerankfilter__y_proba=...`` to :func:`skclean.pipeline.make_pipeline`;
    imbalanced-learn's own Pipeline (0.14) forwards fit parameters to
    ``fit_resample`` only with metadata routing enabled
    (``set_fit_resample_request(y_proba=True)``). Under cross-validation,
    per-row parameters are split with the training folds.

    In the clean-set variant a noisy row is kept when its class's binary
    classifier gives it a probability of at least 0.5, as in the paper
    (``threshold`` is not used); clean rows are always kept, and
    ``min_fraction`` still applies.

    References
    ----------
    .. [1] Y. Ding et al., "A Semi-Supervised Two-Stage Approach to Learning
       from Noisy Labels", WACV 2018, sec. 3.1.
    .. [2] C. Northcutt, L. Jiang and I. Chuang, "Confident Learning:
       Estimating Uncertainty in Dataset Labels", JAIR 70, 2021, sec. 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skclean.filters import ConfidenceRankFilter
    >>> from skclean.noise import flip_labels
    >>> X, y = load_digits(return_X_y=True)
    >>> y_noisy = flip_labels(y, kind="asymmetric", rate=0.3, pairs="ding2018",
    ...                       random_state=0)
    >>> filt = ConfidenceRankFilter(random_state=0)
    >>> X_kept, y_kept = filt.fit_resample(X, y_noisy)
    >>> round(float(np.mean(y_noisy == y)), 2)  # labels right before filtering
    0.87
    >>> round(float(np.mean(y_kept == y[filt.sample_indices_])), 2)  # after
    0.96
    >>> round(float(np.mean(filt.kept_mask_)), 2)  # fraction of labels kept
    0.91

    The paper's rule keeps fewer labels, more of them right:

    >>> paper = ConfidenceRankFilter(threshold=0.9, min_fraction=0.1, random_state=0)
    >>> X_kept, y_kept = paper.fit_resample(X, y_noisy)
    >>> round(float(np.mean(y_kept == y[paper.sample_indices_])), 2)
    1.0
    >>> round(float(np.mean(paper.kept_mask_)), 2)
    0.51
    >>> min(paper.report_["kept_fraction"]) >= 0.1  # min_fraction per class
    True
    """

    _parameter_constraints: dict = {
        **BaseLabelFilter._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": ["cv_object"],
        "threshold": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "min_fraction": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _accept_sparse = True

    def __init__(
        self,
        *,
        estimator=None,
        cv=5,
        threshold="auto",
        min_fraction=0.1,
        mode="drop",
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.threshold = threshold
        self.min_fraction = min_fraction
        self.mode = mode
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def fit_resample(self, X, y, *, y_proba=None, clean_mask=None):
        """Filter the labels of ``X, y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, ...) or None
            Training data, flat or image-shaped. May be None when ``y_proba``
            is given: the probabilities then stand in for ``X`` (and their
            rows are what ``X_resampled`` holds).

        y : array-like of shape (n_samples,)
            Noisy labels; at least two classes.

        y_proba : array-like of shape (n_samples, n_classes), default=None
            Precomputed class probabilities (e.g. out-of-fold predictions of a
            network), columns in sorted class order. Nothing is trained.

        clean_mask : array-like of bool of shape (n_samples,), default=None
            True for rows whose label is trusted: selects the clean-set
            variant. Every class needs at least one clean row.

        Returns
        -------
        X_resampled : {array-like, sparse matrix, DataFrame}
            ``X[sample_indices_]``, in the container and shape of ``X``.

        y_resampled : array-like
            The kept labels (``mode="drop"``), or every label with the
            rejected ones set to -1 (``mode="unlabel"``).
        """
        if X is None:
            if y_proba is None:
                raise ValueError(
                    "X is None: pass the training data, or y_proba (precomputed "
                    "class probabilities) to filter without X."
                )
            X = y_proba
        return super().fit_resample(X, y, y_proba=y_proba, clean_mask=clean_mask)

    def _select_labels(self, X, y, y_proba=None, clean_mask=None):
        classes, y_index = np.unique(y, return_inverse=True)
        n_samples, n_classes = y.shape[0], classes.shape[0]
        if y_proba is not None and clean_mask is not None:
            raise ValueError(
                "Pass either y_proba (precomputed probabilities) or clean_mask (the "
                "clean-set variant, which trains its own classifiers), not both."
            )
        rng = check_random_state(self.random_state)
        self.estimator_, self.estimators_ = None, None
        if clean_mask is not None:
            clean = self._check_clean_mask(clean_mask, y_index, classes)
            self.y_proba_ = self._clean_set_proba(X, y_index, clean, n_classes, rng)
        elif y_proba is not None:
            self.y_proba_ = check_y_proba(y_proba, n_samples, classes)
        else:
            self.y_proba_ = self._predict_proba(X, y, classes, rng)
        score = self.y_proba_[np.arange(n_samples), y_index]
        if clean_mask is not None:
            agree = clean | (score >= 0.5)
            keep = agree
        else:
            agree = score >= self.y_proba_.max(axis=1)
            keep = self._apply_threshold(agree, score, y_index)
        return LabelDecision(
            keep=_top_up(keep, agree, score, y_index, n_classes, self.min_fraction),
            label_quality=score,
            label_issues=~agree,
            suggested_labels=classes[np.argmax(self.y_proba_, axis=1)],
        )

    def _apply_threshold(self, agree, score, y_index):
        """The kept labels before ``min_fraction`` tops them up."""
        if self.threshold != "auto":
            return agree & (score >= self.threshold)
        if self.mode == "unlabel":
            return agree & (score >= _PAPER_THRESHOLD)
        return ~(confident_rivals(y_index, self.y_proba_) >= 0)

    def _predict_proba(self, X, y, classes, rng):
        """Out-of-fold (or, with ``cv=None``, in-sample) class probabilities."""
        estimator = self.estimator
        if estimator is None:
            counts = np.bincount(np.searchsorted(classes, y))
            estimator = neighbors_estimator(
                X, int(counts.min()), rng.randint(np.iinfo(np.int32).max)
            )
        proba, self.estimator_ = class_probabilities(
            estimator,
            X,
            y,
            classes,
            cv=self.cv,
            rng=rng,
            n_jobs=self.n_jobs,
            owner=type(self).__name__,
            verbose=self.verbose,
        )
        return proba

    def _clean_set_proba(self, X, y_index, clean, n_classes, rng):
        """One binary classifier per class: its clean rows vs the other clean rows."""
        X_clean = _safe_indexing(X, np.flatnonzero(clean))
        y_clean = y_index[clean]
        proba = np.zeros((X.shape[0], n_classes))
        self.estimators_ = []
        for k in range(n_classes):
            estimator = make_estimator(self.estimator, X, X_clean.shape[0], rng)
            estimator.fit(X_clean, y_clean == k)
            positive = list(estimator.classes_).index(True)
            proba[:, k] = estimator.predict_proba(X)[:, positive]
            self.estimators_.append(estimator)
        return proba

    @staticmethod
    def _check_clean_mask(clean_mask, y_index, classes):
        clean = np.asarray(clean_mask)
        if clean.dtype != bool:
            raise TypeError(
                "clean_mask must be a boolean array, True for rows with trusted "
                f"labels; got dtype {clean.dtype}. To mark rows by their indices, "
                "pass np.isin(np.arange(n_samples), indices)."
            )
        if clean.shape != y_index.shape:
            raise ValueError(
                f"clean_mask must have shape (n_samples,) = {y_index.shape}; got "
                f"shape {clean.shape}."
            )
        n_clean = np.bincount(y_index[clean], minlength=classes.shape[0])
        if np.any(n_clean == 0):
            raise ValueError(
                "The clean-set variant trains one classifier per class from its "
                "clean rows, but clean_mask marks no row of class(es) "
                f"{classes[n_clean == 0].tolist()} as clean."
            )
        return clean
