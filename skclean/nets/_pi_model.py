"""PiModelClassifier: consistency training (Pi-model, temporal ensembling, Mean
Teacher, virtual adversarial training) on the labels a filter kept."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import column_or_1d
from skorch.callbacks import LRScheduler
from torch import nn
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader

from .._labels import UNLABELED, labeled_mask
from ..utils._stack import user_stacklevel
from ._classifier import CNNClassifier
from ._data import SemiSupervisedBatches, as_device_dataset
from .callbacks import (
    ConsistencyRampUp,
    LearningRateRampDown,
    MeanTeacher,
    TemporalEnsemble,
)

__all__ = ["PiModelClassifier"]

# Laine & Aila's w_max (Pi-model 100, temporal ensembling 30); the Mean Teacher
# takes the Pi-model's. Their supervised loss is summed over a batch's labelled
# rows and divided by the batch size, ours is the mean over the labelled rows:
# their w_max * (labelled fraction) is our w_max. Miyato et al. weigh VAT's
# divergence and the entropy term by 1.
_DEFAULT_UNSUPERVISED_WEIGHT = {
    "pi": 100.0,
    "temporal": 30.0,
    "mean_teacher": 100.0,
    "vat": 1.0,
}
_DEFAULT_ENTROPY_WEIGHT = {"pi": 0.0, "temporal": 0.0, "mean_teacher": 0.0, "vat": 1.0}
# Laine & Aila's temporal momentum; Tarvainen & Valpola's EMA decay.
_DEFAULT_MOMENTUM = {"pi": None, "temporal": 0.6, "mean_teacher": 0.99, "vat": None}
# Laine & Aila ramp the consistency weight up over 80 of 300 epochs; Miyato et
# al. weigh VAT's divergence fully from the start, which also scored best on
# held-out labelled rows (benchmarks/results/study_semi_supervised_vat.md).
_DEFAULT_RAMPUP = {"pi": 0.25, "temporal": 0.25, "mean_teacher": 0.25, "vat": 0}
# Size of VAT's first, finite-difference step along a random direction
# (Miyato et al.'s xi): small enough to measure the local curvature.
_VAT_XI = 1e-6


def _unit_rows(d):
    """Each row of ``d`` scaled to unit L2 norm over all its other axes."""
    return F.normalize(d.flatten(1), dim=1).view_as(d)


def _entropy(logits):
    """Mean entropy of the softmax of ``logits``."""
    log_probs = F.log_softmax(logits, dim=1)
    return -(log_probs.exp() * log_probs).sum(dim=1).mean()


def translate(X, max_shift, generator=None):
    """Shift each image of ``X`` (n, c, h, w) by up to ``max_shift`` pixels."""
    n, channels, height, width = X.shape
    padded = F.pad(X, (max_shift,) * 4)
    shifts = torch.randint(
        0, 2 * max_shift + 1, (2, n), device=X.device, generator=generator
    )
    rows = shifts[0][:, None] + torch.arange(height, device=X.device)
    cols = shifts[1][:, None] + torch.arange(width, device=X.device)
    return padded[
        torch.arange(n, device=X.device)[:, None, None, None],
        torch.arange(channels, device=X.device)[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


class PiModelClassifier(CNNClassifier):
    """Semi-supervised network that learns from every row, trusting only kept labels.

    Stage 2 of Ding et al.'s two-stage approach: rows labelled -1 (for
    example rejected by :class:`~skclean.filters.ConfidenceRankFilter` with
    ``mode="unlabel"``) are unlabelled; the loss is cross-entropy on the
    labelled rows of a batch plus ``w(t)`` times a consistency term on all its
    rows (Laine & Aila, 2017):

    - ``ensemble="pi"``: the network sees each batch twice, under different
      stochastic perturbations (random translations of up to ``translate``
      pixels for images, Gaussian input noise of ``noise_std``, dropout); the
      consistency term is the mean squared difference of the two softmax
      outputs.
    - ``ensemble="temporal"``: one pass per batch; the target is an
      exponential moving average of each row's past predictions (momentum
      ``ensemble_momentum``, bias-corrected).
    - ``ensemble="mean_teacher"`` (Tarvainen & Valpola, 2017): the target is
      the softmax output, under another perturbation, of a teacher network
      whose weights are an exponential moving average of the trained
      network's (decay ``ensemble_momentum``); one backward pass per batch.
    - ``ensemble="vat"`` (the default), virtual adversarial training (Miyato
      et al., 2019): the target is the network's own (detached) prediction
      for the perturbed row; the consistency term is the KL divergence from it to the
      prediction for the row moved by ``vat_epsilon`` in the direction that
      changes the prediction most, found by one power iteration. With it
      comes entropy minimisation (``entropy_weight``, Miyato et al.'s
      VAT+EntMin). About twice the cost of temporal ensembling per batch:
      three forward and two backward passes.

    ``w(t)`` ramps up as ``exp(-5 (1 - t/T)^2)`` over the first
    ``rampup_epochs`` (by default a quarter of ``max_epochs``, none for VAT)
    to ``unsupervised_weight`` times the share of unlabelled rows
    (``scale_unsupervised_weight``), so that the term fades when nearly every
    row is labelled and is 0 when none is unlabelled. Batches hold
    ``batch_size // 2`` labelled rows, drawn class-balanced, and
    ``batch_size // 2`` unlabelled rows (Algorithm 1). ``history_`` records,
    per epoch, the weight (``consistency_weight``) and the mean supervised and
    consistency losses of the training batches (``train_supervised_loss``,
    ``train_consistency_loss``).

    Everything else (modules, ``device="auto"``, ``random_state``, label
    types, pickling, skorch parameters) is as in
    :class:`~skclean.nets.CNNClassifier`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, or "auto", default="auto"
        The network, as in :class:`~skclean.nets.CNNClassifier` ("auto":
        DeepCleanNet's CNN for images of at least 8x8 pixels, else an MLP). Use
        :class:`~skclean.nets.MLP` for the two-stage paper's MNIST network.

    ensemble : {"pi", "temporal", "mean_teacher", "vat"}, default="vat"
        Pi-model, temporal ensembling, Mean Teacher or virtual adversarial
        training. VAT is the default: it had the best accuracy on held-out
        labelled rows with 400 labels of 10,000 MNIST rows (MLP, 3 seeds,
        ``benchmarks/results/semi_supervised_mlp.md``) and with 100 labels;
        an epoch takes about twice as long as with temporal ensembling.
        ``ensemble="temporal", entropy_weight=1`` came second, at temporal
        ensembling's cost. Before 0.1.0 the default was ``"pi"``.

    unsupervised_weight : float, default=None
        Maximum consistency weight ``w_max``; None means Laine & Aila's 100
        for the Pi-model and the Mean Teacher, 30 for temporal ensembling and
        Miyato et al.'s 1 for VAT (a KL divergence, not a squared error).
        The supervised loss is the mean over a batch's labelled rows, so this
        is Laine & Aila's weight without their labelled-fraction factor,
        which compensates for a supervised loss divided by the whole batch.
        0 trains supervised, with the perturbations and class-balanced
        batches, on labelled rows only (a fit where every row is labelled
        then gives no warning).

    entropy_weight : float, default=None
        Weight of the mean entropy of the predictions on the batch's rows
        (entropy minimisation, Grandvalet & Bengio, 2004), which pushes the
        decision boundaries away from the unlabelled rows. It ramps up and
        scales with the consistency weight, so it is 0 with no unlabelled
        rows or ``unsupervised_weight=0``. None means 1 for ``"vat"``
        (Miyato et al.'s VAT+EntMin) and 0 for the other ensembles.

    vat_epsilon : float, default=2.0
        Radius of VAT's adversarial step: its L2 norm over all the values of a
        row, in the inputs' units (pixels scaled to [0, 1] for MNIST). Unused
        by the other ensembles. 2.0, close to Miyato et al.'s MNIST radius
        (2.1, supervised), was fixed before the study (development runs on
        held-out labelled MNIST rows compared it with 0.5 and 1);
        it is not scaled to the number of values per row, so tune it for
        other inputs.

    scale_unsupervised_weight : {"unlabeled", "labeled"} or bool, \
default="unlabeled"
        Multiply ``unsupervised_weight`` by the fraction of unlabelled rows
        (``"unlabeled"``: the term fades as labels cover the data and is 0
        when every row is labelled), by the fraction of labelled rows
        (``"labeled"``, or ``True``: Laine & Aila's factor, the default before
        0.1.0, which with this supervised loss shrinks the term where it helps
        most), or not at all (``False``).

    rampup_epochs : int, float or None, default=None
        Length of the Gaussian ramp-up of the consistency weight: a float in
        (0, 1] is a fraction of ``max_epochs`` (0.25: about Laine & Aila's 80
        of 300 epochs), an int a number of epochs; 0 keeps the weight fixed
        from the first epoch. None means 0 for VAT (Miyato et al. weigh its
        term fully from the start; with 400 labels of 10,000 MNIST rows no
        ramp-up scored 95.96% of held-out labelled rows against 95.61% for a
        quarter of the epochs, ``benchmarks/results/study_semi_supervised_vat.md``)
        and 0.25 for the other ensembles. Before 0.1.0 it was 10 epochs; it
        was then 0.25 for every ensemble, VAT included, until the study's VAT
        round.

    rampdown_epochs : int or float, default=0
        Lower the learning rate over the last epochs (Laine & Aila's
        ramp-down), as a number of epochs (int) or a fraction of
        ``max_epochs`` (float in (0, 1]); 0 leaves the learning rate to the
        optimizer and any ``LRScheduler`` callback.

    noise_std : float, default=0.15
        Standard deviation of the Gaussian noise added to the inputs in training.

    translate : int or "auto", default="auto"
        Largest random translation, in pixels, of image inputs in training.
        ``"auto"``: 2 pixels (Laine & Aila's setting) when the inputs are
        images whose smaller side is at least 24 pixels (MNIST, CIFAR-10, or
        flat rows of 784 pixels, read as 28x28 images), whatever the module:
        the fully connected :class:`~skclean.nets.MLP` gains from it too
        (``benchmarks/results/semi_supervised_mlp.md``, rows without
        translation); none for smaller images such as 8x8 digits, where a
        2-pixel shift destroys the digit, and for non-image inputs. Before
        0.1.0, ``"auto"`` gave no translation for fully connected modules.

    ensemble_momentum : float, default=None
        Momentum of the temporal ensemble (None: 0.6, Laine & Aila) or decay
        of the Mean Teacher's weight average (None: 0.99, Tarvainen &
        Valpola); unused by the Pi-model.

    balance_classes : bool, default=True
        Draw the labelled half of each batch class-balanced (oversampling the
        small classes, sec. 3.3 of Ding et al.).

    pretrained : CNNClassifier, torch.nn.Module, dict or "filter", default=None
        Start from these weights (stage 1's network, as in the paper): a
        fitted :class:`~skclean.nets.CNNClassifier` with the same classes, a
        module, or a ``state_dict``. The architecture must match.
        ``"filter"`` takes the network that the label filter before this
        estimator fitted, in a :class:`~skclean.pipeline.Pipeline` or a
        :class:`~skclean.pipeline.FilteredClassifier`: the filter's
        ``estimator_``, e.g. ``ConfidenceRankFilter(estimator=CNNClassifier(...),
        cv=None)``, the paper's in-sample pre-training. This survives
        :func:`~sklearn.base.clone`, so it works in grid searches.

    lr : float, default=3e-3
        Adam's learning rate: Laine & Aila's maximum learning rate (0.003),
        three times :class:`~skclean.nets.CNNClassifier`'s. With VAT, the
        higher rate gained 2.6 points of held-out labelled accuracy with 100
        labels of 10,000 MNIST rows and 0.8 with 400, and moved training with
        the consistency term off by 0.3 points or less
        (``benchmarks/results/study_semi_supervised.md``). Before 0.1.0 it
        was 1e-3.

    max_epochs, batch_size, device, verbose, input_shape, random_state, \
mixed_precision, channels_last, **kwargs
        As in :class:`~skclean.nets.CNNClassifier` (``max_epochs`` 50,
        ``batch_size`` 256 rows: 128 labelled + 128 unlabelled).
        ``callbacks="disable"`` is refused, since the consistency ramp-up is a
        callback; ``verbose=0`` silences the log.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Classes of the labelled rows; never contains -1.

    n_labeled_ : int
        Number of labelled rows in the last fit.

    unsupervised_weight_ : float
        The maximum consistency weight used, after scaling.

    entropy_weight_ : float
        The maximum entropy weight used, after the same scaling.

    consistency_weight_ : float
        The consistency weight of the last epoch.

    n_features_in_ : int
        Number of values per sample.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    input_shape_ : tuple of int
        Shape of one sample as the module sees it.

    class_weight_ : ndarray of shape (n_classes,) or None
        Weights of the classes in the supervised loss.

    module_ : torch.nn.Module
        The trained network.

    criterion_ : torch.nn.Module
        The supervised loss.

    optimizer_ : torch.optim.Optimizer
        The optimizer, with its state after training.

    callbacks_ : list of (str, skorch.callbacks.Callback)
        The callbacks used in training, the ramp-up and ramp-down included.

    classes_inferred_ : ndarray of shape (n_classes,)
        skorch's name for ``classes_``.

    history_ : skorch.History
        Per-epoch records, ``consistency_weight`` included.

    See Also
    --------
    skclean.filters.ConfidenceRankFilter : Stage 1: decides which labels to keep.
    skclean.nets.CNNClassifier : The same network, supervised.

    References
    ----------
    .. [1] Y. Ding, L. Wang, D. Fan and B. Gong, "A Semi-Supervised Two-Stage
       Approach to Learning from Noisy Labels", WACV 2018.
    .. [2] S. Laine and T. Aila, "Temporal Ensembling for Semi-Supervised
       Learning", ICLR 2017.
    .. [3] A. Tarvainen and H. Valpola, "Mean teachers are better role models:
       Weight-averaged consistency targets improve semi-supervised deep
       learning results", NeurIPS 2017.
    .. [4] T. Miyato, S. Maeda, M. Koyama and S. Ishii, "Virtual Adversarial
       Training: A Regularization Method for Supervised and Semi-Supervised
       Learning", IEEE TPAMI 41(8), 2019.
    .. [5] Y. Grandvalet and Y. Bengio, "Semi-supervised Learning by Entropy
       Minimization", NIPS 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skclean.nets import MLP, PiModelClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype("float32")
    >>> y_partial = y.copy()
    >>> y_partial[np.random.RandomState(0).rand(len(y)) < 0.8] = -1  # hide 80%
    >>> clf = PiModelClassifier(MLP, max_epochs=5, random_state=0, verbose=0)
    >>> clf.fit(X, y_partial).classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> bool(clf.score(X, y) > 0.7)
    True
    >>> round(clf.unsupervised_weight_, 1)  # VAT: 1 x the share of unlabelled rows
    0.8
    """

    _accepts_unlabeled = True

    _parameter_constraints: dict = {
        **CNNClassifier._parameter_constraints,
        # "disable" would also drop the consistency ramp-up: no consistency term.
        "callbacks": [list, None],
        "ensemble": [StrOptions({"pi", "temporal", "mean_teacher", "vat"})],
        "unsupervised_weight": [Interval(Real, 0, None, closed="left"), None],
        "entropy_weight": [Interval(Real, 0, None, closed="left"), None],
        "vat_epsilon": [Interval(Real, 0, None, closed="neither")],
        "scale_unsupervised_weight": [StrOptions({"unlabeled", "labeled"}), "boolean"],
        "rampup_epochs": [
            Interval(Integral, 0, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            None,
        ],
        "rampdown_epochs": [
            Interval(Integral, 0, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "translate": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "ensemble_momentum": [Interval(Real, 0, 1, closed="left"), None],
        "balance_classes": ["boolean"],
        "pretrained": [CNNClassifier, nn.Module, dict, StrOptions({"filter"}), None],
    }

    def __init__(
        self,
        module="auto",
        *,
        ensemble="vat",
        unsupervised_weight=None,
        entropy_weight=None,
        vat_epsilon=2.0,
        scale_unsupervised_weight="unlabeled",
        rampup_epochs=None,
        rampdown_epochs=0,
        noise_std=0.15,
        translate="auto",
        ensemble_momentum=None,
        balance_classes=True,
        pretrained=None,
        lr=3e-3,
        **kwargs,
    ):
        super().__init__(module, lr=lr, **kwargs)
        self.ensemble = ensemble
        self.unsupervised_weight = unsupervised_weight
        self.entropy_weight = entropy_weight
        self.vat_epsilon = vat_epsilon
        self.scale_unsupervised_weight = scale_unsupervised_weight
        self.rampup_epochs = rampup_epochs
        self.rampdown_epochs = rampdown_epochs
        self.noise_std = noise_std
        self.translate = translate
        self.ensemble_momentum = ensemble_momentum
        self.balance_classes = balance_classes
        self.pretrained = pretrained

    @property
    def _default_callbacks(self):
        # CNNClassifier's callbacks, with the schedules right after the timer so
        # that they set this epoch's weight and learning rate before training.
        callbacks = super()._default_callbacks
        # Read before validation (get_params lists them): no truth test of arrays.
        ensemble = self.ensemble if isinstance(self.ensemble, str) else None
        rampup = self.rampup_epochs
        if rampup is None:
            rampup = _DEFAULT_RAMPUP.get(ensemble, 0.25)
        schedules = [("consistency_rampup", ConsistencyRampUp(rampup))]
        rampdown = self.rampdown_epochs
        if (
            isinstance(rampdown, Real)
            and not isinstance(rampdown, bool)
            and rampdown > 0
        ):
            ramp_down = LearningRateRampDown(self.max_epochs, rampdown)
            schedules.append(
                ("lr_rampdown", LRScheduler(policy=LambdaLR, lr_lambda=ramp_down))
            )
        if ensemble in ("temporal", "mean_teacher"):
            momentum = self.ensemble_momentum
            if momentum is None:
                momentum = _DEFAULT_MOMENTUM[ensemble]
            if ensemble == "temporal":
                schedules.append(("temporal_ensemble", TemporalEnsemble(momentum)))
            else:
                schedules.append(("mean_teacher", MeanTeacher(momentum)))
        return callbacks[:1] + schedules + callbacks[1:]

    # -- labels -------------------------------------------------------------
    def _encode_y(self, y):
        """Encode labelled rows as class indices and unlabelled rows (-1) as -1."""
        y = column_or_1d(y, warn=True)
        # Labels are checked without the -1 entries: string labels mixed with
        # the integer -1 are not a label type scikit-learn recognises.
        unlabeled = ~labeled_mask(y)
        labels = y[~unlabeled]
        if labels.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__} needs labelled rows: every label in y is -1."
            )
        encoded = super()._encode_y(labels)
        out = np.full(y.shape[0], UNLABELED, dtype=np.int64)
        out[~unlabeled] = encoded
        return out

    def _prepare_fit(self, X, y):
        X_valid, y_encoded = super()._prepare_fit(X, y)
        self.n_labeled_ = int(np.sum(y_encoded != UNLABELED))
        # unsupervised_weight=0 asks for supervised training with the
        # perturbations and class-balanced batches: nothing to warn about.
        if self.n_labeled_ == y_encoded.shape[0] and self.unsupervised_weight != 0:
            warnings.warn(
                "Every row of y is labelled (none is -1): the consistency term "
                "has no unlabelled rows to learn from, and "
                f"{type(self).__name__} trains like a CNNClassifier with input "
                "noise. Pass the rejected labels as -1, e.g. from a filter with "
                'mode="unlabel".',
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        w_max = self.unsupervised_weight
        if w_max is None:
            w_max = _DEFAULT_UNSUPERVISED_WEIGHT[self.ensemble]
        entropy = self.entropy_weight
        if entropy is None:
            entropy = _DEFAULT_ENTROPY_WEIGHT[self.ensemble]
        n_rows, scale = y_encoded.shape[0], self.scale_unsupervised_weight
        factor = 1.0
        if scale == "unlabeled":
            factor = (n_rows - self.n_labeled_) / n_rows
        elif scale is True or scale == "labeled":
            factor = self.n_labeled_ / n_rows
        self.unsupervised_weight_ = float(w_max * factor)
        # The entropy term follows the consistency term's scaling, and is off with it.
        self.entropy_weight_ = float(entropy * factor) if w_max else 0.0
        self.consistency_weight_ = 0.0
        return X_valid, y_encoded

    def _make_class_weight(self, y_encoded):
        return super()._make_class_weight(y_encoded[y_encoded != UNLABELED])

    # -- training -----------------------------------------------------------
    def initialize_module(self):
        """Instantiate the module and load the ``pretrained`` weights, if any."""
        super().initialize_module()
        if self.pretrained is not None and hasattr(self, "input_shape_"):
            self.module_.load_state_dict(self._pretrained_state())
        return self

    def _pretrained_state(self):
        source = self.pretrained
        if isinstance(source, str):  # "filter": handed over by the pipeline
            source = getattr(self, "_filter_estimator", None)
            if source is None or not getattr(source, "initialized_", False):
                raise ValueError(
                    "pretrained='filter' starts from the network fitted by the label "
                    "filter before this estimator in a skclean Pipeline or "
                    "FilteredClassifier; that filter must keep it as a fitted "
                    "estimator_, e.g. ConfidenceRankFilter(estimator=CNNClassifier"
                    "(...), cv=None). Found none."
                )
        if isinstance(source, CNNClassifier):
            if not getattr(source, "initialized_", False):
                raise ValueError("pretrained must be a fitted CNNClassifier.")
            if not np.array_equal(source.classes_, self.classes_):
                raise ValueError(
                    f"pretrained was fitted on classes {source.classes_.tolist()}, but "
                    f"the labelled rows hold classes {self.classes_.tolist()}."
                )
            source = source.module_
        if isinstance(source, nn.Module):
            source = source.state_dict()
        if not isinstance(source, dict):
            raise TypeError(
                "pretrained must be a fitted CNNClassifier, a torch.nn.Module or a "
                f"state_dict, got {type(source).__name__}."
            )
        return {key: value.detach().clone() for key, value in source.items()}

    def initialize(self):
        super().initialize()
        # Fixed for the fit; walking the module tree on every batch costs time.
        self._shift = self._translation_shift()
        return self

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        # Looked up once per fit, not on every batch.
        callbacks = dict(self.callbacks_)
        self._targets_from = callbacks.get("temporal_ensemble") or callbacks.get(
            "mean_teacher"
        )

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        self._loss_sums, self._loss_steps = None, 0

    def on_epoch_end(self, net, **kwargs):
        # One device-to-host copy per epoch for both means.
        if self._loss_steps:
            supervised, consistency = (self._loss_sums / self._loss_steps).tolist()
            self.history.record("train_supervised_loss", supervised)
            self.history.record("train_consistency_loss", consistency)
        super().on_epoch_end(net, **kwargs)

    def get_iterator(self, dataset, training=False):
        """Half-labelled, half-unlabelled batches for training (Algorithm 1)."""
        base, indices = as_device_dataset(dataset)
        if not training or base is None or self.iterator_train is not DataLoader:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        return SemiSupervisedBatches(
            base,
            indices,
            kwargs.get("batch_size", self.batch_size),
            generator=self._batch_generator(base.X.device),
            balance_classes=self.balance_classes,
        )

    def _translation_shift(self):
        """Pixels of random translation: ``translate``, or for "auto" 2 px on
        images of at least 24x24 (Laine & Aila's setting)."""
        if self.translate != "auto":
            return self.translate
        shape = getattr(self, "input_shape_", ())
        return 2 if len(shape) == 3 and min(shape[1:]) >= 24 else 0

    def _teacher_probs(self, teacher, X):
        """The Mean Teacher's softmax output for a perturbed copy of ``X``."""
        with torch.no_grad():
            logits = self._forward(self._perturb(X), module=teacher)
        return torch.softmax(logits, dim=1)

    def _perturb(self, X):
        shift = self._shift
        if shift and X.ndim == 4:
            X = translate(X, shift)
        if self.noise_std:
            X = X + self.noise_std * torch.randn_like(X)
        return X

    def _virtual_adversarial_loss(self, X, probs, **fit_params):
        """KL divergence from ``probs`` to the prediction at ``X + r_adv``.

        ``r_adv`` (norm ``vat_epsilon`` per row) is the direction that changes
        the prediction most, found by one power iteration from a random
        direction (Miyato et al., 2019). Its search runs in float32 whatever
        ``mixed_precision`` says: a bfloat16 forward pass would round the tiny
        first step away.
        """
        step = (_VAT_XI * _unit_rows(torch.randn_like(X))).requires_grad_()
        log_probs = F.log_softmax(self.module_(X + step, **fit_params), dim=1)
        divergence = F.kl_div(log_probs, probs, reduction="batchmean")
        (gradient,) = torch.autograd.grad(divergence, step)
        r_adv = self.vat_epsilon * _unit_rows(gradient)
        log_probs = F.log_softmax(self._forward(X + r_adv, **fit_params), dim=1)
        return F.kl_div(log_probs, probs, reduction="batchmean")

    def _consistency_target(self, X, rows, probs, **fit_params):
        """The squared-error target of the Pi-model, Mean Teacher or temporal
        ensemble (None in temporal ensembling's first epoch)."""
        if self.ensemble == "pi":
            other = self._forward(self._perturb(X), **fit_params)
            return torch.softmax(other, dim=1)
        if self.ensemble == "mean_teacher":
            return self._teacher_probs(self._targets_from.teacher_, X)
        target = self._targets_from.targets(rows)
        self._targets_from.record(rows, probs)
        return target

    def _supervised_loss(self, logits, y, sample_weight=None):
        labeled = y != UNLABELED
        if sample_weight is not None:
            return self._weighted_loss(
                logits[labeled], y[labeled], sample_weight[labeled]
            )
        if not torch.any(labeled):
            return (
                logits.sum() * 0.0
            )  # keeps the graph; no NaN on an all-unlabelled batch
        return self.criterion_(logits[labeled], y[labeled])

    def train_step_single(self, batch, **fit_params):
        """One step: supervised cross-entropy + ``w(t)`` x consistency."""
        self._set_training(True)
        inputs, y = batch
        X, rows = inputs["X"], inputs["rows"]
        X_seen = self._perturb(X)
        logits = self._forward(X_seen, **fit_params)
        supervised = self._supervised_loss(logits, y, inputs.get("sample_weight"))
        weight = self.consistency_weight_
        loss = supervised
        if weight == 0:
            # No unlabelled rows or no consistency term: no second pass, no target.
            consistency = torch.zeros((), device=logits.device)
        else:
            probs = torch.softmax(logits, dim=1)
            if self.ensemble == "vat":
                consistency = self._virtual_adversarial_loss(
                    X_seen, probs.detach(), **fit_params
                )
            else:
                target = self._consistency_target(X, rows, probs, **fit_params)
                consistency = (
                    F.mse_loss(probs, target)
                    if target is not None
                    else probs.sum() * 0.0
                )
            loss = loss + weight * consistency
            if self.entropy_weight_:
                ramp = weight / self.unsupervised_weight_
                loss = loss + ramp * self.entropy_weight_ * _entropy(logits)
        loss.backward()
        losses = torch.stack((supervised.detach(), consistency.detach()))
        self._loss_sums = (
            losses if self._loss_sums is None else self._loss_sums + losses
        )
        self._loss_steps += 1
        return {"loss": loss, "y_pred": logits}

    def train_step(self, batch, **fit_params):
        """One optimizer step; the Mean Teacher's average follows it."""
        step = super().train_step(batch, **fit_params)
        if self.ensemble == "mean_teacher":
            self._targets_from.update()
        return step

    def validation_step(self, batch, **fit_params):
        """Loss on the labelled rows of a validation batch only."""
        self._set_training(False)
        X, y = batch
        weight = X.get("sample_weight") if isinstance(X, dict) else None
        with torch.no_grad():
            logits = self.infer(X, **fit_params)
            loss = self._supervised_loss(logits, y, weight)
        return {"loss": loss, "y_pred": logits}

    def fit(self, X, y, sample_weight=None, filter_estimator=None, **fit_params):
        """Train on ``X, y`` where ``y == -1`` marks unlabelled rows.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features) or \
                (n_samples, channels, height, width)
            Every training row, labelled or not.

        y : array-like of shape (n_samples,)
            Labels, -1 for unlabelled rows (object dtype with -1 for string
            labels). At least two classes among the labelled rows.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the supervised loss, as in
            :meth:`CNNClassifier.fit`; the consistency term is not weighted,
            and the weights of unlabelled rows are not used.

        filter_estimator : CNNClassifier, default=None
            With ``pretrained="filter"``: the network to start from, the fitted
            ``estimator_`` of the label filter before this estimator.
            :class:`~skclean.pipeline.Pipeline` and
            :class:`~skclean.pipeline.FilteredClassifier` pass it; ignored
            otherwise.

        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : PiModelClassifier
            The fitted classifier.
        """
        self._filter_estimator = filter_estimator  # read by initialize_module
        try:
            super().fit(X, y, sample_weight=sample_weight, **fit_params)
        finally:
            self._filter_estimator = None  # held for this fit only
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
