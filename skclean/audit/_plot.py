"""Displays of a label audit: the most suspect images and the estimated noise matrix."""

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._label_issues import ISSUE_METHODS, SCORE_METHODS, find_label_issues
from ._label_issues import quality_scores as _quality_scores
from ._noise_matrix import estimate_noise_matrix
from ._validation import check_labels, check_labels_and_proba

__all__ = ["LabelIssuesDisplay", "NoiseMatrixDisplay"]


def _check_choice(name, value, options):
    if value not in options:
        raise ValueError(
            f"{name} must be one of {sorted(options)}; got {value!r} instead."
        )


def _estimator_proba(estimator, X, y):
    """``predict_proba`` of a fitted classifier, columns in ``np.unique(y)`` order."""
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            "estimator must be a fitted classifier with predict_proba; "
            f"{type(estimator).__name__} has none."
        )
    check_is_fitted(estimator)
    classes, _ = check_labels(y)
    proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    fitted_classes = np.asarray(estimator.classes_)
    unknown = ~np.isin(fitted_classes, classes)
    if np.any(unknown):
        raise ValueError(
            f"The estimator was fitted on class(es) {fitted_classes[unknown].tolist()} "
            f"that y does not contain ({classes.tolist()})."
        )
    out = np.zeros((proba.shape[0], classes.shape[0]))
    out[:, np.searchsorted(classes, fitted_classes)] = proba
    return out


def _as_images(X, image_shape):
    """Images of shape (n, h, w) or (n, h, w, 3|4) from flat or image-shaped X."""
    X = np.asarray(X)
    if image_shape is not None:
        return X.reshape((X.shape[0], *tuple(image_shape)))
    if X.ndim == 2:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(
                f"Cannot guess the image shape of {X.shape[1]} features (not a "
                "square number); pass image_shape, e.g. image_shape=(height, width)."
            )
        return X.reshape(X.shape[0], side, side)
    if X.ndim == 3:
        return X
    if X.ndim == 4:
        if X.shape[1] in (1, 3, 4) and X.shape[-1] not in (1, 3, 4):
            X = np.moveaxis(X, 1, -1)  # channels first -> last
        return X[..., 0] if X.shape[-1] == 1 else X
    raise ValueError(
        f"X must be 2-D (flat images) or 3-D/4-D (images); got {X.ndim} dimensions."
    )


def _image_grid(axes, n_images, n_cols, plt):
    """A figure and at least ``n_images`` Axes: the given ones, or a new grid."""
    if axes is None:
        n_cols = max(1, min(n_cols, n_images))
        n_rows = max(1, int(np.ceil(n_images / n_cols)))
        fig, axes = plt.subplots(
            n_rows,
            n_cols,
            figsize=(1.6 * n_cols, 2.0 * n_rows),
            squeeze=False,
            constrained_layout=True,
        )
        return fig, axes
    axes = np.asarray(axes)
    if axes.size < n_images:
        raise ValueError(
            f"axes holds {axes.size} Axes for {n_images} images; pass at "
            "least one Axes per image."
        )
    return axes.flat[0].figure, axes


def _write_values(axis, matrix, cmap, values_format):
    """Write each value of ``matrix`` in its cell, light on dark and dark on light."""
    n_classes = matrix.shape[0]
    texts = np.empty((n_classes, n_classes), dtype=object)
    for i in range(n_classes):
        for j in range(n_classes):
            color = cmap(0.0) if matrix[i, j] > 0.5 else cmap(1.0)
            texts[i, j] = axis.text(
                j,
                i,
                format(matrix[i, j], values_format),
                ha="center",
                va="center",
                color=color,
                fontsize=7 if n_classes > 6 else 9,
            )
    return texts


class LabelIssuesDisplay:
    """Grid of the images with the most suspect labels: given and suggested labels.

    It is recommended to use :meth:`from_predictions` or :meth:`from_estimator`
    to create a :class:`LabelIssuesDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width) or \
            (n_images, height, width, channels)
        The images to show, in order.

    given_labels : array-like of shape (n_images,)
        The labels the images were given.

    suggested_labels : array-like of shape (n_images,)
        The labels the classifier suggests (its most probable class).

    scores : array-like of shape (n_images,), default=None
        Label-quality scores (:func:`label_quality_scores`), shown under each
        image if given.

    indices : array-like of shape (n_images,), default=None
        Row indices of the images in the dataset, shown in each title if given.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        The axes of the grid (unused ones are hidden).

    images_ : list of matplotlib AxesImage
        One per image.

    figure_ : matplotlib Figure
        The figure of the grid.

    See Also
    --------
    find_label_issues : Which rows are suspect.
    NoiseMatrixDisplay : The estimated noise matrix as a heatmap.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_predict
    >>> from skclean.audit import LabelIssuesDisplay
    >>> from skclean.noise import flip_labels
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:600] / 16, y[:600]
    >>> y_noisy = flip_labels(y, rate=0.1, random_state=0)
    >>> y_proba = cross_val_predict(LogisticRegression(max_iter=300), X, y_noisy,
    ...                             method="predict_proba")
    >>> disp = LabelIssuesDisplay.from_predictions(X, y_noisy, y_proba, n_images=10)
    >>> disp.axes_.shape
    (2, 5)
    """

    def __init__(
        self, images, given_labels, suggested_labels, *, scores=None, indices=None
    ):
        self.images = images
        self.given_labels = given_labels
        self.suggested_labels = suggested_labels
        self.scores = scores
        self.indices = indices

    def plot(self, *, n_cols=5, cmap="gray", axes=None):
        """Draw the grid.

        Parameters
        ----------
        n_cols : int, default=5
            Number of columns of the grid (fewer if there are fewer images).

        cmap : str or matplotlib Colormap, default="gray"
            Colormap of grey-level images.

        axes : array-like of matplotlib Axes, default=None
            Axes to draw on, at least one per image. None creates a figure.

        Returns
        -------
        display : :class:`LabelIssuesDisplay`
            Object that stores the computed values.
        """
        check_matplotlib_support("LabelIssuesDisplay.plot")
        import matplotlib.pyplot as plt

        images = np.asarray(self.images)
        n_images = images.shape[0]
        check_consistent_length(images, self.given_labels, self.suggested_labels)
        if n_cols < 1:
            raise ValueError(f"n_cols must be a positive integer; got {n_cols}.")
        fig, axes = _image_grid(axes, n_images, n_cols, plt)
        self.images_ = [
            ax.imshow(images[k], cmap=cmap)
            for k, ax in enumerate(axes.flat)
            if k < n_images
        ]
        for k, ax in enumerate(axes.flat):
            ax.set_axis_off()
            if k < n_images:
                ax.set_title(self._title(k), fontsize=8)
        self.axes_ = axes
        self.figure_ = fig
        return self

    def _title(self, k):
        """The lines above image ``k``: row, given and suggested label, quality."""
        title = []
        if self.indices is not None:
            title.append(f"row {np.asarray(self.indices)[k]}")
        title.append(f"given {np.asarray(self.given_labels)[k]}")
        title.append(f"suggested {np.asarray(self.suggested_labels)[k]}")
        if self.scores is not None:
            title.append(f"quality {np.asarray(self.scores)[k]:.2f}")
        return "\n".join(title)

    @classmethod
    def from_predictions(
        cls,
        X,
        y,
        y_proba,
        *,
        n_images=20,
        method="prune_by_noise_rate",
        rank_by="self_confidence",
        image_shape=None,
        n_cols=5,
        cmap="gray",
        axes=None,
    ):
        """Show the most suspect images, from class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            The images: flat (square images unless ``image_shape`` is given)
            or image-shaped, ``(n, h, w)``, ``(n, c, h, w)`` or
            ``(n, h, w, c)``.

        y : array-like of shape (n_samples,)
            The given labels.

        y_proba : array-like of shape (n_samples, n_classes)
            Out-of-fold class probabilities, columns in sorted class order.

        n_images : int, default=20
            At most this many images, from the most suspect down. Fewer are
            shown if fewer rows are flagged.

        method : str, default="prune_by_noise_rate"
            Which rows are suspect; see :func:`find_label_issues`.

        rank_by : str, default="self_confidence"
            Their order; see :func:`label_quality_scores`.

        image_shape : tuple of int, default=None
            Shape of one image, for flat ``X`` of non-square images.

        n_cols : int, default=5
            Number of columns of the grid.

        cmap : str or matplotlib Colormap, default="gray"
            Colormap of grey-level images.

        axes : array-like of matplotlib Axes, default=None
            Axes to draw on. None creates a figure.

        Returns
        -------
        display : :class:`LabelIssuesDisplay`
            The drawn display.
        """
        _check_choice("method", method, ISSUE_METHODS)
        _check_choice("rank_by", rank_by, SCORE_METHODS)
        if isinstance(n_images, bool) or not isinstance(n_images, int | np.integer):
            raise TypeError(f"n_images must be an int; got {type(n_images).__name__}.")
        if n_images < 1:
            raise ValueError(f"n_images must be at least 1; got {n_images}.")
        classes, y_index, y_proba = check_labels_and_proba(y, y_proba)
        check_consistent_length(X, y)
        ranking = find_label_issues(
            y, y_proba=y_proba, method=method, output="ranking", rank_by=rank_by
        )[:n_images]
        images = _as_images(X, image_shape)[ranking]
        scores = _quality_scores(y_index, y_proba, rank_by)[ranking]
        display = cls(
            images,
            classes[y_index[ranking]],
            classes[y_proba[ranking].argmax(axis=1)],
            scores=scores,
            indices=ranking,
        )
        return display.plot(n_cols=n_cols, cmap=cmap, axes=axes)

    @classmethod
    def from_estimator(cls, estimator, X, y, **kwargs):
        """Show the most suspect images, from a fitted classifier's probabilities.

        The classifier must not have been trained on these labels (use one
        fitted on other rows, e.g. a hand-checked set): a model that has seen a
        label tends to agree with it. For probabilities of every row, use
        out-of-fold ones and :meth:`from_predictions`.

        Parameters
        ----------
        estimator : fitted classifier
            Has ``predict_proba`` and ``classes_``.

        X : array-like of shape (n_samples, ...)
            The images, as the estimator takes them.

        y : array-like of shape (n_samples,)
            The given labels.

        **kwargs : dict
            Passed to :meth:`from_predictions` (``n_images``, ``method``,
            ``rank_by``, ``image_shape``, ``n_cols``, ``cmap``, ``axes``).

        Returns
        -------
        display : :class:`LabelIssuesDisplay`
            The drawn display.
        """
        y_proba = _estimator_proba(estimator, X, y)
        return cls.from_predictions(X, y, y_proba, **kwargs)


class NoiseMatrixDisplay:
    """Heatmap of a noise transition matrix, beside the true one when it is known.

    It is recommended to use :meth:`from_predictions` or :meth:`from_estimator`
    to create a :class:`NoiseMatrixDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    noise_matrix : ndarray of shape (n_classes, n_classes)
        The (estimated) matrix: entry ``[i, j]`` is P(given label ``j`` | true
        class ``i``), as :func:`estimate_noise_matrix` returns it.

    true_matrix : ndarray of shape (n_classes, n_classes), default=None
        The true matrix, e.g. :func:`skclean.noise.transition_matrix` of a
        simulated setting; drawn on the right when given.

    display_labels : array-like of shape (n_classes,), default=None
        Class names on the axes; ``0 .. n_classes - 1`` if None.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        One Axes, or two (estimate, truth) when ``true_matrix`` is given.

    im_ : list of matplotlib AxesImage
        The heatmaps.

    text_ : list of ndarray of matplotlib Text, or None
        The values written in the cells, one array per heatmap; None if
        ``include_values`` is False.

    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    estimate_noise_matrix : The estimate drawn here.
    skclean.noise.transition_matrix : The matrix of a simulated setting.
    LabelIssuesDisplay : The most suspect images.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_predict
    >>> from skclean.audit import NoiseMatrixDisplay
    >>> from skclean.noise import flip_labels, transition_matrix
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:600] / 16, y[:600]
    >>> y_noisy = flip_labels(y, kind="pairflip", rate=0.3, random_state=0)
    >>> y_proba = cross_val_predict(LogisticRegression(max_iter=300), X, y_noisy,
    ...                             method="predict_proba")
    >>> T = transition_matrix(10, kind="pairflip", rate=0.3)
    >>> disp = NoiseMatrixDisplay.from_predictions(y_noisy, y_proba, true_matrix=T)
    >>> len(disp.ax_)
    2
    """

    def __init__(self, noise_matrix, *, true_matrix=None, display_labels=None):
        self.noise_matrix = noise_matrix
        self.true_matrix = true_matrix
        self.display_labels = display_labels

    def plot(
        self,
        *,
        include_values=True,
        cmap="Blues",
        values_format=".2f",
        ax=None,
        colorbar=True,
    ):
        """Draw the heatmap(s).

        Parameters
        ----------
        include_values : bool, default=True
            Write each value in its cell.

        cmap : str or matplotlib Colormap, default="Blues"
            Colormap of the heatmaps; both share the scale [0, 1].

        values_format : str, default=".2f"
            Format of the written values.

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes, or two when ``true_matrix`` is given. None creates a
            figure.

        colorbar : bool, default=True
            Add a colorbar.

        Returns
        -------
        display : :class:`NoiseMatrixDisplay`
            Object that stores the computed values.
        """
        check_matplotlib_support("NoiseMatrixDisplay.plot")
        import matplotlib.pyplot as plt

        matrices = [np.asarray(self.noise_matrix, dtype=float)]
        titles = ["estimated"]
        if self.true_matrix is not None:
            matrices.append(np.asarray(self.true_matrix, dtype=float))
            titles.append("true")
        n_classes = matrices[0].shape[0]
        for matrix in matrices:
            if matrix.shape != (n_classes, n_classes):
                raise ValueError(
                    "noise_matrix and true_matrix must be square and of the same "
                    f"shape; got {[m.shape for m in matrices]}."
                )
        if ax is None:
            fig, axes = plt.subplots(
                1,
                len(matrices),
                figsize=(4.8 * len(matrices), 4.6),
                squeeze=False,
                constrained_layout=True,
            )
            axes = axes[0]
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object))
            if axes.size != len(matrices):
                raise ValueError(
                    f"ax must hold {len(matrices)} Axes (one per matrix); got "
                    f"{axes.size}."
                )
            fig = axes[0].figure
        labels = (
            np.arange(n_classes)
            if self.display_labels is None
            else np.asarray(self.display_labels)
        )
        self.im_, self.text_ = [], [] if include_values else None
        for axis, matrix, title in zip(axes, matrices, titles):
            im = axis.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0)
            self.im_.append(im)
            if include_values:
                self.text_.append(_write_values(axis, matrix, im.cmap, values_format))
            axis.set(
                xticks=np.arange(n_classes),
                yticks=np.arange(n_classes),
                xticklabels=labels,
                yticklabels=labels,
                xlabel="given label",
                ylabel="true class",
                title=f"{title} noise matrix",
            )
        if colorbar:
            fig.colorbar(self.im_[0], ax=list(axes), shrink=0.8)
        self.ax_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_predictions(
        cls,
        y,
        y_proba,
        *,
        method="confident_joint",
        true_matrix=None,
        display_labels=None,
        include_values=True,
        cmap="Blues",
        values_format=".2f",
        ax=None,
        colorbar=True,
    ):
        """Estimate the noise matrix from class probabilities and draw it.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            The given labels.

        y_proba : array-like of shape (n_samples, n_classes)
            Out-of-fold class probabilities, columns in sorted class order.

        method : {"confident_joint", "anchor_points"}, default="confident_joint"
            The estimate; see :func:`estimate_noise_matrix`.

        true_matrix : ndarray of shape (n_classes, n_classes), default=None
            The true matrix, drawn beside the estimate.

        display_labels : array-like of shape (n_classes,), default=None
            Class names; the sorted classes of ``y`` if None.

        include_values : bool, default=True
            Write each value in its cell.

        cmap : str or matplotlib Colormap, default="Blues"
            Colormap of the heatmaps.

        values_format : str, default=".2f"
            Format of the written values.

        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on. None creates a figure.

        colorbar : bool, default=True
            Add a colorbar.

        Returns
        -------
        display : :class:`NoiseMatrixDisplay`
            The drawn display.
        """
        classes, _, y_proba = check_labels_and_proba(y, y_proba)
        estimate = estimate_noise_matrix(y, y_proba, method=method)
        if display_labels is None:
            display_labels = classes
        display = cls(estimate, true_matrix=true_matrix, display_labels=display_labels)
        return display.plot(
            include_values=include_values,
            cmap=cmap,
            values_format=values_format,
            ax=ax,
            colorbar=colorbar,
        )

    @classmethod
    def from_estimator(cls, estimator, X, y, **kwargs):
        """Estimate the noise matrix from a fitted classifier's probabilities.

        The classifier must not have been trained on these labels (use one
        fitted on other rows): in-sample probabilities make most labels look
        right and the estimate close to the identity.

        Parameters
        ----------
        estimator : fitted classifier
            Has ``predict_proba`` and ``classes_``.

        X : array-like of shape (n_samples, ...)
            Features, as the estimator takes them.

        y : array-like of shape (n_samples,)
            The given labels.

        **kwargs : dict
            Passed to :meth:`from_predictions`.

        Returns
        -------
        display : :class:`NoiseMatrixDisplay`
            The drawn display.
        """
        y_proba = _estimator_proba(estimator, X, y)
        return cls.from_predictions(y, y_proba, **kwargs)
