"""CNNClassifier: a skorch classifier with sklearn label handling and on-device data."""

import contextlib
import inspect
import math
import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring, EpochTimer, PassthroughScoring
from skorch.utils import is_dataset, to_tensor
from torch import nn
from torch.utils.data import DataLoader

from .._labels import flatten_samples, labeled_mask
from .._private_api import SkorchPrivateOverridesMixin
from ..utils._stack import user_stacklevel
from ._data import DeviceBatches, DeviceDataset, as_device_dataset
from ._device import check_bfloat16_supported, check_device_available, resolve_device
from ._modules import MLP, DeepCleanCNN
from .callbacks import PrintLog

__all__ = ["CNNClassifier"]


def _encoded_accuracy(net, X, y):
    """Accuracy of ``net`` on a dataset of class-index targets (-1: unlabelled)."""
    y_pred = net.predict_proba(X).argmax(axis=1)
    y = np.asarray(y).reshape(-1)
    labeled = labeled_mask(y)
    return (
        float(np.mean(y_pred[labeled] == y[labeled])) if labeled.any() else float("nan")
    )


def _check_input_layout(X, owner):
    """Refuse 1-D X with a short message (scikit-learn's quotes every value)."""
    ndim = getattr(X, "ndim", None)
    if ndim is None and isinstance(X, list | tuple):
        ndim = np.ndim(X)
    if ndim == 1:
        raise ValueError(
            f"{owner} expects a 2D array X of shape (n_samples, n_features) or "
            "image batches (n_samples, channels, height, width); got a 1-D array of "
            f"{np.shape(X)[0]} values. Reshape your data: X.reshape(-1, 1) for a "
            "single feature or X.reshape(1, -1) for a single sample."
        )


def _warn_if_unscaled_pixels(X):
    """Warn when float X holds what look like 0-255 pixel values."""
    if X.size and X.min() >= 0 and X.max() > 1.5 and X.max() <= 255:
        if np.array_equal(X[:1000], np.round(X[:1000])):
            warnings.warn(
                f"X holds whole numbers from {X.min():g} to {X.max():g}, like 8-bit "
                "pixels. The networks train best on inputs scaled to [0, 1]: "
                "divide X by 255 (or by its maximum).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )


def _infer_input_shape(X, input_shape):
    """The per-sample shape the module sees: (channels, height, width) or (d,)."""
    if X.ndim == 4:
        shape = tuple(X.shape[1:])
    elif X.ndim == 3:
        shape = (1, *X.shape[1:])
    else:
        n_features = X.shape[1]
        if input_shape is not None:
            shape = tuple(int(s) for s in input_shape)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"input_shape={tuple(input_shape)} holds {math.prod(shape)} values "
                    f"per sample but X has {n_features} features."
                )
            return shape
        side = math.isqrt(n_features)
        shape = (1, side, side) if side * side == n_features else (n_features,)
    if input_shape is not None and tuple(input_shape) != shape:
        raise ValueError(
            f"input_shape={tuple(input_shape)} does not match the shape of the "
            f"samples in X, {shape}."
        )
    return shape


class CNNClassifier(SkorchPrivateOverridesMixin, NeuralNetClassifier):
    """DeepCleanNet's CNN as a scikit-learn classifier, built on skorch.

    A :class:`skorch.NeuralNetClassifier` that accepts any label values, flat or
    image-shaped input and pandas DataFrames, predicts the original labels, and
    trains from tensors held whole on the device (CUDA when present), slicing
    each mini-batch by index instead of going through a per-item DataLoader.

    Every skorch parameter stays available (``module__*``, ``optimizer__*``,
    ``callbacks``, ``train_split`` ...). Defaults follow DeepCleanNet (Adam,
    learning rate 1e-3, batch size 256, 50 epochs, cross-entropy).

    Parameters
    ----------
    module : torch.nn.Module class or instance, or "auto", default="auto"
        The network. ``"auto"`` is DeepCleanNet's CNN
        (:class:`~skclean.nets.DeepCleanCNN`) when the samples are images of
        at least 8x8 pixels (image-shaped ``X``, ``input_shape=(c, h, w)``, or
        flat ``X`` whose number of features is a square of at least 64, read
        as one channel), and :class:`~skclean.nets.MLP` otherwise (tabular
        data; ``input_shape=(n_features,)`` forces it). When it is a class,
        its arguments ``n_classes``,
        ``in_channels``, ``input_size`` and ``n_features`` are filled in from
        the data at fit time unless given as ``module__<name>``. Use
        :class:`~skclean.nets.MLP` for the two-stage paper's network. The module
        returns logits.

    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        The loss, applied to the logits.

    optimizer : torch optimizer class, default=torch.optim.Adam
        The optimizer; its arguments as ``optimizer__<name>``.

    lr : float, default=1e-3
        Learning rate.

    max_epochs : int, default=50
        Number of passes over the training data.

    batch_size : int, default=256
        Rows per mini-batch, for training and prediction.

    train_split : callable or None, default=None
        skorch's internal validation split, e.g.
        ``skorch.dataset.ValidSplit(5)`` to record ``valid_loss`` and
        ``valid_acc`` in ``history_``. None (default) trains on every row, as
        scikit-learn estimators do.

    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        ``"auto"``: CUDA when available, else the CPU. Asking for CUDA on a
        machine without it raises a ValueError at fit time.

    verbose : int, default=0
        1 prints skorch's per-epoch table; 0 is quiet.

    input_shape : tuple of int, default=None
        Shape of one sample, ``(channels, height, width)``, for flat ``X``.
        Inferred when ``X`` is image-shaped, or flat with a square number of
        features (one channel).

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss; ``"balanced"`` weighs each class
        inversely to its frequency, which balances classes as the two-stage
        paper does by oversampling (sec. 3.3).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling. With the same seed
        and data, training on the CPU gives identical predictions. The global
        torch random state is left as it was.

    mixed_precision : bool, default=False
        Run the network's forward pass under :func:`torch.autocast` in
        bfloat16; weights, gradients and the loss stay float32, so no gradient
        scaling is needed. Meant for CUDA GPUs with bfloat16 (Ampere and
        newer), where it may speed up convolutions; it also runs on the CPU,
        usually slower. Off by default: ``benchmarks/bench_cnn_speed.py
        --mixed-precision`` measures its speed and accuracy on a given device.

    channels_last : bool, default=False
        Keep convolution weights and image batches in the channels-last
        memory format, which cuDNN's fastest (mixed-precision) kernels use.
        Has no effect on flat input.

    **kwargs : dict
        Other skorch parameters (``module__*``, ``optimizer__*``,
        ``iterator_train__*``, ``callbacks__*``, ``warm_start`` ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.

    n_features_in_ : int
        Number of values per sample (``channels * height * width`` for images).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    input_shape_ : tuple of int
        Shape of one sample as the module sees it.

    class_weight_ : ndarray of shape (n_classes,) or None
        Weights of the classes in the loss.

    module_ : torch.nn.Module
        The trained network.

    criterion_ : torch.nn.Module
        The loss, with ``class_weight_`` as its class weights.

    optimizer_ : torch.optim.Optimizer
        The optimizer, with its state after training.

    callbacks_ : list of (str, skorch.callbacks.Callback)
        The callbacks used in training, the default ones included.

    classes_inferred_ : ndarray of shape (n_classes,)
        skorch's name for ``classes_``.

    history_ : skorch.History
        Per-epoch and per-batch records (``train_loss``, ``dur`` ...).

    See Also
    --------
    skclean.nets.PiModelClassifier : The same network trained semi-supervised.
    skclean.filters.KMeansLabelFilter : DeepCleanNet's label filter.

    Notes
    -----
    Training data are converted to float32 and moved to the device once; each
    epoch draws one permutation on the device. Prediction moves one batch at a
    time, so it works on data larger than the device memory. Training batches
    are shuffled (skorch's default DataLoader does not shuffle).

    References
    ----------
    .. [1] B. Olimov and J. Kim, "DeepCleanNet: Training Deep Convolutional
       Neural Network with Extremely Noisy Labels", Journal of Korea Multimedia
       Society 23(11), 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skclean.nets import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 1, 8, 8) / 16
    >>> clf = CNNClassifier(max_epochs=10, batch_size=64, random_state=0)
    >>> clf = clf.fit(X[:1500], y[:1500])
    >>> clf.predict(X[1500:1505]).shape
    (5,)
    >>> bool(clf.score(X[1500:], y[1500:]) > 0.8)
    True
    """

    # Validated at fit time (skorch validates its own prefixed parameters).
    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "device": [str, torch.device, None],
        "verbose": ["verbose"],
        "input_shape": [tuple, list, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
        "mixed_precision": ["boolean"],
        "channels_last": ["boolean"],
        # skorch would fail later, deep inside, on anything else.
        "callbacks": [list, StrOptions({"disable"}), None],
    }

    def __init__(
        self,
        module="auto",
        *,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=50,
        batch_size=256,
        train_split=None,
        device="auto",
        verbose=0,
        input_shape=None,
        class_weight=None,
        random_state=None,
        mixed_precision=False,
        channels_last=False,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.input_shape = input_shape
        self.class_weight = class_weight
        self.random_state = random_state
        self.mixed_precision = mixed_precision
        self.channels_last = channels_last

    # ``device`` is stored as given ("auto" included) and read resolved, so that
    # get_params/clone keep "auto" while skorch's internals see a real device.
    @property
    def device(self):
        return resolve_device(self.__dict__.get("device", "cpu"))

    @device.setter
    def device(self, value):
        self.__dict__["device"] = value

    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        params["device"] = self.__dict__.get("device", "cpu")
        return params

    def __setstate__(self, state):
        requested = state["device"]
        state["device"] = resolve_device(requested)
        super().__setstate__(state)  # maps CUDA tensors to the CPU when needed
        if requested == "auto":
            self.__dict__["device"] = "auto"
        elif isinstance(requested, str) and isinstance(
            self.__dict__["device"], torch.device
        ):
            # skorch fell back to the CPU; keep the parameter a string, as given.
            self.__dict__["device"] = str(self.__dict__["device"])

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            (
                "valid_acc",
                EpochScoring(
                    _encoded_accuracy, name="valid_acc", lower_is_better=False
                ),
            ),
            ("print_log", PrintLog()),
        ]

    # -- data ---------------------------------------------------------------
    def _validate_X(self, X, *, reset):
        _check_input_layout(X, type(self).__name__)
        X_valid = validate_data(
            self,
            flatten_samples(X),
            reset=reset,
            dtype=[np.float32, np.float64],
            ensure_min_samples=1,
        )
        if reset:
            _warn_if_unscaled_pixels(X_valid)
        elif getattr(X, "ndim", 2) <= 2 and len(self.input_shape_) == 3:
            # Flat rows are the normal input after a fit on flat rows (whose
            # image shape was inferred); the warning is for a fit on images.
            if self._fitted_on_images and not isinstance(
                self.input_shape, tuple | list
            ):
                warnings.warn(
                    f"{type(self).__name__} was fitted on images of shape "
                    f"{self.input_shape_} and now gets flat rows: each row is read "
                    "as one such image, pixels in row-major order.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
        # Only numpy arrays may come image-shaped; everything else is 2-D.
        ndim = X.ndim if isinstance(X, np.ndarray) else 2
        if reset:
            self._fitted_on_images = ndim > 2
            self.input_shape_ = _infer_input_shape(
                np.reshape(X_valid, (X_valid.shape[0], *X.shape[1:]))
                if ndim > 2
                else X_valid,
                self.input_shape,
            )
        elif ndim > 2:
            sample_shape = tuple(X.shape[1:])
            expected = self.input_shape_ if ndim == 4 else self.input_shape_[1:]
            if sample_shape != tuple(expected):
                raise ValueError(
                    f"X has samples of shape {sample_shape}, but {type(self).__name__} "
                    f"was fitted on samples of shape {self.input_shape_}."
                )
        # Contiguous float32: torch cannot wrap negative strides (e.g. X[::-1]).
        X_valid = np.ascontiguousarray(X_valid, dtype=np.float32)
        return X_valid.reshape((X_valid.shape[0], *self.input_shape_))

    def _encode_y(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        classes = np.unique(y) if self.classes is None else np.asarray(self.classes)
        encoded = np.searchsorted(classes, y)
        encoded = np.clip(encoded, 0, len(classes) - 1)
        if np.any(classes[encoded] != y):
            raise ValueError("y contains labels that are not in classes.")
        self.classes_inferred_ = classes
        return encoded.astype(np.int64)

    def _prepare_fit(self, X, y):
        """Validate the parameters and training data; set data-dependent attributes."""
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        X_valid = self._validate_X(X, reset=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y_encoded = self._encode_y(y)
        if y_encoded.shape[0] != X_valid.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X_valid.shape[0]} "
                f"and {y_encoded.shape[0]}."
            )
        if len(self.classes_inferred_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y, got one "
                f"class: {self.classes_inferred_.tolist()}."
            )
        self.class_weight_ = self._make_class_weight(y_encoded)
        return X_valid, y_encoded

    def _make_class_weight(self, y_encoded):
        """Loss weights of the classes, from ``class_weight`` and the encoded labels."""
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, str):
            weights = compute_class_weight(
                self.class_weight, classes=np.arange(len(self.classes_)), y=y_encoded
            )
        else:
            weights = [self.class_weight.get(c, 1.0) for c in self.classes_]
        return np.asarray(weights, dtype=np.float32)

    def get_dataset(self, X, y=None):
        """Wrap arrays in a :class:`DeviceDataset`: training data stay on the device."""
        if is_dataset(X):
            return X
        return DeviceDataset(X, y, device=self.device)

    def get_iterator(self, dataset, training=False):
        """Batches sliced from on-device tensors; skorch's DataLoader otherwise."""
        base, indices = as_device_dataset(dataset)
        iterator = self.iterator_train if training else self.iterator_valid
        if base is None or iterator is not DataLoader:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        return DeviceBatches(
            base,
            indices,
            batch_size,
            shuffle=kwargs.get("shuffle", training),
            generator=self._batch_generator(base.X.device) if training else None,
            training=training,
            device=self.device,
        )

    def _batch_generator(self, device):
        generator = getattr(self, "_generator", None)
        if generator is None or generator.device != torch.device(device):
            return None
        return generator

    def check_data(self, X, y):
        """Nothing to check: ``fit`` validated and encoded the labels already.

        skorch's check would infer the classes again from the encoded labels.
        """

    # -- components ---------------------------------------------------------
    def _data_module_kwargs(self):
        shape = self.input_shape_
        kwargs = {"n_classes": len(self.classes_), "n_features": math.prod(shape)}
        if len(shape) == 3:
            kwargs.update(in_channels=shape[0], input_size=tuple(shape[1:]))
        return kwargs

    def _resolved_module(self):
        """``module``, with "auto" resolved from the shape of the samples."""
        if not (isinstance(self.module, str) and self.module == "auto"):
            return self.module
        shape = getattr(self, "input_shape_", ())
        return DeepCleanCNN if len(shape) == 3 and min(shape[1:]) >= 8 else MLP

    def initialize_module(self):
        """Instantiate the module, filling data-dependent arguments from the data."""
        kwargs = self.get_params_for("module")
        module = self._resolved_module()
        if not isinstance(module, nn.Module) and hasattr(self, "input_shape_"):
            accepted = inspect.signature(module).parameters
            data_kwargs = self._data_module_kwargs()
            needs_image = "input_size" in accepted and "input_size" not in data_kwargs
            if needs_image and "input_size" not in kwargs:
                raise ValueError(
                    f"{getattr(module, '__name__', module)} needs image input, "
                    "but X has "
                    f"{self.n_features_in_} features per sample, which do not form a "
                    "square image. Pass input_shape=(channels, height, width), "
                    "image-shaped X, or a module for flat input such as "
                    "skclean.nets.MLP."
                )
            for name, value in data_kwargs.items():
                if name in accepted and name not in kwargs:
                    kwargs[name] = value
        self.module_ = self.initialized_instance(module, kwargs)
        if self.channels_last:
            self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def initialize_criterion(self):
        """Instantiate the criterion, with ``class_weight_`` as its class weights."""
        kwargs = self.get_params_for("criterion")
        weights = getattr(self, "class_weight_", None)
        if weights is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(weights)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    # -- forward ------------------------------------------------------------
    def _forward(self, X, *, module=None, **fit_params):
        """Logits of ``module`` (default: the net's) for a batch, in float32, in
        the chosen precision."""
        module = self.module_ if module is None else module
        if self.channels_last and X.ndim == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        if not self.mixed_precision:
            return module(X, **fit_params)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
            logits = module(X, **fit_params)
        return logits.float()

    def infer(self, x, **fit_params):
        """Logits for a batch ``x``, under ``mixed_precision`` and ``channels_last``."""
        x = to_tensor(x, device=self.device)
        if isinstance(x, Mapping):  # a batch with its rows' weights (or indices)
            x = x["X"]
        return self._forward(x, **fit_params)

    # -- fit / predict ------------------------------------------------------
    @contextlib.contextmanager
    def _seeded(self):
        """Seed torch from ``random_state`` without changing the global state."""
        if self.random_state is None:
            self._generator = None
            yield
            return
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        device = torch.device(self.device)
        cuda = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            self._generator = torch.Generator(device=device).manual_seed(seed)
            try:
                yield
            finally:
                self._generator = None

    @contextlib.contextmanager
    def _clear_out_of_memory(self):
        try:
            yield
        except torch.cuda.OutOfMemoryError as exc:
            raise MemoryError(
                f"The device ({self.device}) ran out of memory while training "
                f"{type(self).__name__} with batch_size={self.batch_size}; the "
                "training data are held on the device. Lower batch_size, train on "
                "fewer rows, or use device='cpu'."
            ) from exc

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Train a new network on ``X, y``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features) or \
                (n_samples, channels, height, width)
            Training data, float32 or float64.

        y : array-like of shape (n_samples,)
            Class labels of any type.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss: each batch's loss is
            ``sum(w_i * c_i * l_i) / sum(w_i * c_i)``, with ``l_i`` the row's
            loss and ``c_i`` its class weight (``class_weight``, else 1).

        **fit_params : dict
            Passed to skorch (``forward`` and ``train_split``).

        Returns
        -------
        self : CNNClassifier
            The fitted classifier.
        """
        check_device_available(self.device)
        X_valid, y_encoded = self._prepare_fit(X, y)
        if self.mixed_precision:
            check_bfloat16_supported(self.device)
        with self._seeded(), self._clear_out_of_memory():
            dataset = self._device_dataset(X_valid, y_encoded, sample_weight)
            super().fit(dataset, y_encoded, **fit_params)
        return self

    def _device_dataset(self, X_valid, y_encoded, sample_weight):
        """The training data on the device, with validated weights if any."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X_valid, dtype=np.float32, ensure_non_negative=True
            )
        return DeviceDataset(
            X_valid, y_encoded, device=self.device, sample_weight=sample_weight
        )

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion's loss, weighted by the batch's ``sample_weight`` if any."""
        weight = X.get("sample_weight") if isinstance(X, Mapping) else None
        if weight is None:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        return self._weighted_loss(y_pred, to_tensor(y_true, self.device), weight)

    def _weighted_loss(self, logits, y, weight):
        """``sum(w c l) / sum(w c)`` over rows: row loss ``l``, class weight ``c``."""
        if not hasattr(self.criterion_, "reduction"):
            raise ValueError(
                "sample_weight needs a criterion whose per-row losses can be read "
                "(a torch loss with a `reduction` attribute), got "
                f"{type(self.criterion_).__name__}."
            )
        reduction, self.criterion_.reduction = self.criterion_.reduction, "none"
        try:
            per_row = self.criterion_(logits, y)
        finally:
            self.criterion_.reduction = reduction
        norm = weight
        class_weight = getattr(self.criterion_, "weight", None)
        if class_weight is not None:
            norm = weight * class_weight[y]
        return (weight * per_row).sum() / norm.sum().clamp_min(1e-12)

    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **fit_params):
        """Continue training the network for ``max_epochs`` more epochs.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, ...)
            Training data.

        y : array-like of shape (n_samples,)
            Class labels; the same classes as the first fit.

        classes : array-like, default=None
            Unused; for scikit-learn's API.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss, as in :meth:`fit`.

        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : CNNClassifier
            The classifier.
        """
        if is_dataset(X):  # called by fit with prepared data
            return super().partial_fit(X, y, classes, **fit_params)
        if not self.initialized_ or not hasattr(self, "classes_inferred_"):
            return self.fit(X, y, sample_weight=sample_weight, **fit_params)
        classes_before = self.classes_inferred_
        X_valid = self._validate_X(X, reset=False)
        y_encoded = self._encode_y(y)
        if not np.array_equal(self.classes_inferred_, classes_before):
            self.classes_inferred_ = classes_before
            raise ValueError("partial_fit got classes that differ from the first fit.")
        with self._seeded(), self._clear_out_of_memory():
            dataset = self._device_dataset(X_valid, y_encoded, sample_weight)
            super().partial_fit(dataset, y_encoded, **fit_params)
        return self

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, ...)
            Samples, flat or image-shaped like the training data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Softmax of the network's outputs.
        """
        if is_dataset(X):  # skorch's scoring callbacks pass datasets
            return super().predict_proba(X)
        check_is_fitted(self)
        X_valid = self._validate_X(X, reset=False)
        # Kept on the CPU; DeviceBatches moves one batch at a time.
        return super().predict_proba(DeviceDataset(X_valid, None, device="cpu"))

    def predict(self, X):
        """Predicted class labels (values of ``classes_``).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, ...)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_is_fitted__(self):
        return bool(self.initialized_) and hasattr(self, "classes_inferred_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.three_d_array = True
        return tags
