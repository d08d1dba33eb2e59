"""Training schedules and state of semi-supervised nets, as skorch callbacks."""

import copy
import math
import re
import sys
from numbers import Integral

import torch
from skorch.callbacks import Callback
from skorch.callbacks import PrintLog as SkorchPrintLog

__all__ = [
    "ConsistencyRampUp",
    "LearningRateRampDown",
    "MeanTeacher",
    "PrintLog",
    "TemporalEnsemble",
    "gaussian_rampup",
    "schedule_epochs",
]

_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")


def schedule_epochs(length, max_epochs):
    """Length of a schedule in epochs: ``length`` epochs, or that share of the fit.

    Parameters
    ----------
    length : int or float
        An int is a number of epochs; a float in (0, 1] is a fraction of
        ``max_epochs``, rounded to the nearest epoch.

    max_epochs : int
        Number of epochs of the fit.

    Returns
    -------
    epochs : int
        The schedule's length in epochs.

    Examples
    --------
    >>> from skclean.nets.callbacks import schedule_epochs
    >>> schedule_epochs(10, 300), schedule_epochs(0.25, 300), schedule_epochs(0.25, 30)
    (10, 75, 8)
    """
    if isinstance(length, Integral):
        return int(length)
    return int(round(float(length) * max_epochs))


def gaussian_rampup(epoch, rampup_epochs):
    """Laine & Aila's ramp-up ``exp(-5 (1 - t/T)^2)``: 0 -> 1 over ``rampup_epochs``.

    Parameters
    ----------
    epoch : int
        The current epoch, counted from 0.

    rampup_epochs : int
        Length of the ramp-up; 0 gives 1 from the start.

    Returns
    -------
    factor : float
        The ramp-up factor in (0, 1].

    Examples
    --------
    >>> from skclean.nets.callbacks import gaussian_rampup
    >>> round(gaussian_rampup(0, 10), 4), gaussian_rampup(10, 10)
    (0.0067, 1.0)
    """
    if rampup_epochs <= 0 or epoch >= rampup_epochs:
        return 1.0
    progress = epoch / rampup_epochs
    return math.exp(-5.0 * (1.0 - progress) ** 2)


class ConsistencyRampUp(Callback):
    """Set the net's consistency weight for each epoch: ``w_max * ramp-up(t)``.

    The net's ``consistency_weight_`` is read by its training step; ``w_max``
    is the net's fitted ``unsupervised_weight_``.

    Parameters
    ----------
    rampup_epochs : int or float, default=0.25
        Length of the Gaussian ramp-up (:func:`gaussian_rampup`): a number of
        epochs (int), or a fraction of the net's ``max_epochs`` (float in
        (0, 1], :func:`schedule_epochs`); 0 gives the full weight from the
        first epoch.
    """

    def __init__(self, rampup_epochs=0.25):
        self.rampup_epochs = rampup_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # the net opened this epoch's row already
        length = schedule_epochs(self.rampup_epochs, net.max_epochs)
        ramp = gaussian_rampup(epoch, length)
        net.consistency_weight_ = net.unsupervised_weight_ * ramp
        net.history.record("consistency_weight", net.consistency_weight_)


class LearningRateRampDown:
    """Laine & Aila's learning-rate ramp-down, as a factor for ``LambdaLR``.

    ``exp(-12.5 p^2)``, with ``p`` going from 0 to 1 over the last
    ``rampdown_epochs`` of ``max_epochs`` epochs; 1 before. Use it with
    skorch's scheduler callback, which owns the optimizer's learning rate:
    ``LRScheduler(policy=LambdaLR, lr_lambda=LearningRateRampDown(...))``
    (what :class:`~skclean.nets.PiModelClassifier` does when its
    ``rampdown_epochs > 0``).

    Parameters
    ----------
    max_epochs : int
        Number of epochs of the fit.

    rampdown_epochs : int or float
        Length of the ramp-down: a number of epochs (int), or a fraction of
        ``max_epochs`` (float in (0, 1], :func:`schedule_epochs`).

    Examples
    --------
    >>> from skclean.nets.callbacks import LearningRateRampDown
    >>> factor = LearningRateRampDown(max_epochs=10, rampdown_epochs=5)
    >>> factor(0), round(factor(9), 3)
    (1.0, 0.001)
    """

    def __init__(self, max_epochs, rampdown_epochs):
        self.max_epochs = max_epochs
        self.rampdown_epochs = rampdown_epochs

    def __call__(self, epoch):
        length = schedule_epochs(self.rampdown_epochs, self.max_epochs)
        epochs_left = self.max_epochs - epoch
        if epochs_left >= length:
            return 1.0
        progress = 1.0 - epochs_left / length
        return math.exp(-12.5 * progress**2)

    def __repr__(self):
        return (
            f"{type(self).__name__}(max_epochs={self.max_epochs}, "
            f"rampdown_epochs={self.rampdown_epochs})"
        )


class TemporalEnsemble(Callback):
    """The temporal-ensembling targets of Laine & Aila: an EMA of past predictions.

    Owns the per-row buffers for one fit: the training step records each
    row's predictions (:meth:`record`) and reads its bias-corrected ensemble
    target (:meth:`targets`); at the end of each epoch the ensemble moves
    towards that epoch's predictions. The buffers are released when training
    ends: they are not part of the fitted model.

    Parameters
    ----------
    momentum : float, default=0.6
        Weight of the past ensemble at each update.
    """

    def __init__(self, momentum=0.6):
        self.momentum = momentum

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        shape = (len(X), len(net.classes_))  # X: the training dataset
        self.ensemble_ = torch.zeros(shape, device=net.device)
        self.epoch_ = torch.zeros(shape, device=net.device)
        self.n_epochs_ = 0

    def record(self, rows, probs):
        """Store this epoch's predictions ``probs`` of the training rows ``rows``."""
        self.epoch_[rows] = probs.detach()

    def targets(self, rows):
        """Bias-corrected ensemble targets of ``rows``; None in the first epoch."""
        if self.n_epochs_ == 0:
            return None
        return self.ensemble_[rows] / (1.0 - self.momentum**self.n_epochs_)

    def on_epoch_end(self, net, **kwargs):
        self.ensemble_.mul_(self.momentum).add_(self.epoch_, alpha=1.0 - self.momentum)
        self.n_epochs_ += 1

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.ensemble_, self.epoch_ = None, None


class MeanTeacher(Callback):
    """Tarvainen & Valpola's Mean Teacher: an EMA of the network's weights.

    At the start of each fit the teacher is a copy of the net's module; after
    every optimizer step :meth:`update` moves its parameters towards the
    student's, ``teacher = a * teacher + (1 - a) * student`` with
    ``a = min(1 - 1 / (step + 1), decay)`` (the paper's warm-up of the
    average). Its batch-normalisation statistics follow its own forward
    passes. The teacher is released when training ends: predictions use the
    trained network (the student).

    Parameters
    ----------
    decay : float, default=0.99
        Largest weight of the past average at each update.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skclean.nets import MLP, PiModelClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y = y.copy()
    >>> y[np.random.RandomState(0).rand(len(y)) < 0.8] = -1
    >>> clf = PiModelClassifier(MLP, ensemble="mean_teacher", max_epochs=2,
    ...                         random_state=0, verbose=0)
    >>> clf.fit((X / 16).astype("float32"), y).callbacks_[2][0]
    'mean_teacher'
    """

    def __init__(self, decay=0.99):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.teacher_ = copy.deepcopy(net.module_)
        for param in self.teacher_.parameters():
            param.requires_grad_(False)
        self._pairs = [
            (t, s)
            for t, s in zip(self.teacher_.parameters(), net.module_.parameters())
            if t.is_floating_point()
        ]
        self.n_updates_ = 0

    @torch.no_grad()
    def update(self):
        """Move the teacher's parameters towards the net's (one step)."""
        self.n_updates_ += 1
        alpha = min(1.0 - 1.0 / (self.n_updates_ + 1), self.decay)
        teacher = [t for t, _ in self._pairs]
        torch._foreach_mul_(teacher, alpha)
        torch._foreach_add_(teacher, [s for _, s in self._pairs], alpha=1.0 - alpha)

    def on_train_end(self, net, **kwargs):
        self.teacher_, self._pairs = None, None


class PrintLog(SkorchPrintLog):
    """skorch's epoch table, in colour only when it goes to a terminal.

    Logs, CI output and notebooks' plain-text output get no ANSI colour codes.
    Parameters as :class:`skorch.callbacks.PrintLog`.
    """

    def table(self, row):
        """The epoch table's text, without colour codes off a terminal."""
        text = super().table(row)
        if self.sink is print and sys.stdout.isatty():
            return text
        return _ANSI_CODE.sub("", text)
