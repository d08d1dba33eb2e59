"""skorch callbacks for semi-supervised training: consistency ramp-up, learning-rate ramp-down."""

import math

from skorch.callbacks import Callback

__all__ = ["ConsistencyRampUp", "LearningRateRampDown", "gaussian_rampup"]


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

    The net's ``consistency_weight_`` is read by its training step;
    ``w_max`` is the net's ``unsupervised_weight_`` and the ramp-up length its
    ``rampup_epochs``.
    """

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # the net opened this epoch's row already
        ramp = gaussian_rampup(epoch, net.rampup_epochs)
        net.consistency_weight_ = net.unsupervised_weight_ * ramp
        net.history.record("consistency_weight", net.consistency_weight_)


class LearningRateRampDown(Callback):
    """Lower the learning rate over the last ``net.rampdown_epochs`` epochs.

    Laine & Aila's schedule: ``lr * exp(-12.5 p^2)`` with ``p`` going from 0 to 1
    over the ramp-down; nothing happens while ``rampdown_epochs`` is 0.
    """

    def on_epoch_begin(self, net, **kwargs):
        if not net.rampdown_epochs:
            return
        epoch = len(net.history) - 1
        epochs_left = net.max_epochs - epoch
        factor = 1.0
        if epochs_left < net.rampdown_epochs:
            progress = 1.0 - epochs_left / net.rampdown_epochs
            factor = math.exp(-12.5 * progress**2)
        for group in net.optimizer_.param_groups:
            group["lr"] = net.lr * factor
