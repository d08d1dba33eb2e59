"""The private imbalanced-learn API that skclean overrides is still what it expects."""

import pytest
from imblearn import pipeline as imb_pipeline

from skclean._private_api import check_private_api


def test_installed_imbalanced_learn_has_the_overridden_private_methods():
    check_private_api()


def test_a_changed_private_method_fails_loudly_with_the_version(monkeypatch):
    def _fit(self, X, y=None, routed_params=None):  # a parameter gone upstream
        pass

    monkeypatch.setattr(imb_pipeline.Pipeline, "_fit", _fit)
    with pytest.raises(RuntimeError, match=r"imbalanced-learn \d+\.\d+.*_fit"):
        check_private_api()


def test_a_changed_skorch_method_fails_loudly_with_the_version(monkeypatch):
    import skorch

    def _set_training(self, training=True, modules=None):  # a new parameter
        pass

    monkeypatch.setattr(skorch.NeuralNet, "_set_training", _set_training)
    with pytest.raises(RuntimeError, match=r"skorch \d+\.\d+.*_set_training"):
        check_private_api()
