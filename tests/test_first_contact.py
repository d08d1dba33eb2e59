"""Clear errors and warnings for the mistakes a newcomer makes with the nets."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from skorch.callbacks import EarlyStopping

from skclean.nets import MLP, CNNClassifier, LabeledValidSplit, PiModelClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype(np.float32), y[:400]


def _fast(Estimator=CNNClassifier, **params):
    return Estimator(**{"max_epochs": 1, "random_state": 0, **params})


def test_one_dimensional_X_gets_a_short_actionable_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"1-D array of 400 values.*reshape") as info:
        _fast().fit(X[:, 0], y)
    assert len(str(info.value)) < 400  # not every value of X


def test_pixels_in_0_255_are_flagged(digits):
    X, y = digits
    with pytest.warns(UserWarning, match="divide X by 255") as record:
        _fast().fit(np.round(X * 255).astype(np.uint8), y)
    assert record[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fast().fit(X, y)  # scaled data: no warning


def test_flat_rows_after_images_are_flagged(digits):
    X, y = digits
    clf = _fast().fit(X.reshape(-1, 1, 8, 8), y)
    with pytest.warns(UserWarning, match="fitted on images of shape"):
        clf.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(X.reshape(-1, 1, 8, 8))


def test_flat_rows_after_flat_rows_are_not_flagged(digits):
    X, y = digits
    clf = _fast().fit(X, y)  # 64 columns: read as 8x8 images
    assert clf.input_shape_ == (1, 8, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(X)


def test_pi_model_without_unlabelled_rows_is_flagged(digits):
    X, y = digits
    with pytest.warns(UserWarning, match="none is -1"):
        _fast(PiModelClassifier, module=MLP).fit(X, y)


def test_default_module_follows_the_input():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    assert type(_fast().fit(X, y).module_).__name__ == "DeepCleanCNN"  # 8x8
    tabular = _fast().fit(X[:, :10], y)
    assert type(tabular.module_).__name__ == "MLP"
    forced = _fast(input_shape=(64,)).fit(X, y)
    assert type(forced.module_).__name__ == "MLP"


def test_epoch_table_has_no_colour_codes_off_a_terminal(digits, capsys):
    X, y = digits
    _fast(max_epochs=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out


def test_labeled_valid_split_validates_on_labelled_rows_and_stops_early(digits):
    X, y = digits
    y_partial = y.copy()
    y_partial[100:] = -1
    clf = _fast(
        PiModelClassifier,
        module=MLP,
        max_epochs=3,
        train_split=LabeledValidSplit(4, random_state=0),
        callbacks=[("stop", EarlyStopping(patience=2, monitor="valid_loss"))],
    ).fit(X, y_partial)
    # A quarter of the 100 labelled rows, and no unlabelled row, is validation.
    train, valid = LabeledValidSplit(4, random_state=0)(np.arange(len(y)), y_partial)
    assert len(valid) == 25 and np.all(y_partial[valid.indices] != -1)
    assert len(train) == len(y) - 25
    assert clf.history_[-1, "valid_acc"] > 0.3
    with pytest.raises(ValueError, match="cv must be"):
        _fast(PiModelClassifier, module=MLP, train_split=LabeledValidSplit(1)).fit(
            X, y_partial
        )
