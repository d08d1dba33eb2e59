"""Development study: which filter defaults make filter + classifier >= classifier.

Every choice here is scored on noisy data only: the noisy training set is split
into a development-training part (filters and classifiers are fit on it) and a
development-validation part whose labels are just as noisy, and the criterion
is the downstream classifier's accuracy on those noisy validation labels. No
test set is loaded. The precision of the kept labels (against the clean
training labels) and the fraction kept are reported as diagnostics only.

Candidates are prototyped without changing the filters: an out-of-fold
probability embedding is a transformer passed as ``features`` and the cluster
rules are ``selection`` callables of :class:`~skclean.filters.KMeansLabelFilter`;
the confidence rules and the relabelling rules are computed from the same
out-of-fold probabilities.

Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/study_filter_defaults.py``
(``--quick``: digits only).
"""

import json
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skclean.datasets import load_noisy_dataset
from skclean.filters import ConfidenceRankFilter, KMeansLabelFilter

try:
    from . import _common
    from .bench_default_filters import MNIST_SETTINGS as SETTINGS
except ImportError:
    import _common
    from bench_default_filters import MNIST_SETTINGS as SETTINGS

NAME = "study_filter_defaults"

DIGITS_SETTINGS = [
    ("none", "symmetric", 0.0),
    ("symmetric 0.4", "symmetric", 0.4),
    ("asymmetric 0.6", "asymmetric", 0.6),
]


# --------------------------------------------------------------------------
# Probability models (fast, out-of-fold)
# --------------------------------------------------------------------------
def knn_model(n_features, n_neighbors):
    return make_pipeline(
        PCA(n_components=min(50, n_features), random_state=0),
        KNeighborsClassifier(n_neighbors=n_neighbors),
    )


def lr_model(n_features):
    return make_pipeline(
        StandardScaler(),
        PCA(n_components=min(50, n_features), random_state=0),
        LogisticRegression(max_iter=1000),
    )


def oof_proba(model, X, y, seed):
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return cross_val_predict(clone(model), X, y, cv=cv, method="predict_proba")


class FixedEmbedding(BaseEstimator, TransformerMixin):
    """Return a precomputed embedding of the training rows (prototype only)."""

    def __init__(self, Z=None):
        self.Z = Z

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        assert X.shape[0] == self.Z.shape[0]
        return self.Z


class AgreementSelection:
    """Keep the clusters whose rows mostly have their label as most probable class.

    Called once per label, in sorted label order (as KMeansLabelFilter does).
    ``Z_label`` holds square roots of class probabilities, so its argmax is the
    model's most probable class. If no cluster agrees, keep the one with the
    highest mean probability of the label.
    """

    def __init__(self, n_classes, min_agree=0.5):
        self.n_classes = n_classes
        self.min_agree = min_agree
        self.calls = 0

    def __call__(self, Z_label, labels, centers, global_center):
        label = self.calls % self.n_classes
        self.calls += 1
        agree = Z_label.argmax(axis=1) == label
        rates = np.array(
            [
                agree[labels == j].mean() if np.any(labels == j) else 0.0
                for j in range(centers.shape[0])
            ]
        )
        kept = np.flatnonzero(rates >= self.min_agree)
        if kept.size == 0:
            kept = np.array([int(np.argmax(centers[:, label]))])
        return kept


def disputed_rows(P, y_index, thresholds):
    """Rows whose label another class ``j`` beats with ``P(j) >= t_j`` (CL)."""
    rows = np.arange(P.shape[0])
    own = P[rows, y_index]
    rival = (P >= thresholds) & (P > own[:, None])
    rival[rows, y_index] = False
    return rival.any(axis=1)


class DisputedSelection:
    """Keep the clusters in which fewer than ``max_disputed`` of the rows are
    confidently another class (confident learning's per-class thresholds
    ``t_j``, from all rows); if every cluster is disputed, the one whose rows
    give the label the highest mean probability.

    Called once per label, in sorted label order; ``Z_label`` holds square
    roots of the out-of-fold probabilities.
    """

    def __init__(self, thresholds, max_disputed=0.5):
        self.thresholds = thresholds
        self.max_disputed = max_disputed
        self.calls = 0

    def __call__(self, Z_label, labels, centers, global_center):
        n_classes = self.thresholds.size
        label = self.calls % n_classes
        self.calls += 1
        P = Z_label**2
        disputed = disputed_rows(P, np.full(P.shape[0], label), self.thresholds)
        n_clusters = centers.shape[0]
        counts = np.bincount(labels, minlength=n_clusters)
        rate = np.bincount(labels, weights=disputed, minlength=n_clusters)
        rate = rate / np.maximum(counts, 1)
        kept = np.flatnonzero((counts > 0) & (rate < self.max_disputed))
        if kept.size == 0:
            mean = np.bincount(labels, weights=P[:, label], minlength=n_clusters)
            kept = np.array([int(np.argmax(np.where(counts > 0, mean / counts, -1)))])
        return kept


def kmeans_candidates(X, y, seed):
    """Third round: cluster rules of KMeansLabelFilter on its default embedding.

    The out-of-fold probabilities are those of ``KMeansLabelFilter()`` itself
    (fit once); every rule clusters the same square-rooted probabilities with
    the same K-means seeds.
    """
    n, n_classes = y.shape[0], np.unique(y).size
    t0 = time.perf_counter()
    default = KMeansLabelFilter(selection="agreement", random_state=seed).fit(X, y)
    times = {"KMeansLabelFilter() fit": time.perf_counter() - t0}
    P = default.y_proba_
    Z = np.sqrt(P)
    thresholds = np.array([P[y == k, k].mean() for k in range(n_classes)])
    disputed = disputed_rows(P, y, thresholds)

    def km(selection, n_clusters=2):
        filt = KMeansLabelFilter(
            features=FixedEmbedding(Z),
            n_clusters=n_clusters,
            selection=selection,
            random_state=seed,
        )
        return filt.fit(X, y).kept_mask_

    out = {"no filter": (None, np.ones(n, bool))}
    out["agreement, 2 clusters (default)"] = (None, default.kept_mask_)
    out["agreement, K clusters"] = (
        None,
        km(AgreementSelection(n_classes), n_classes),
    )
    for c in (2, 4, n_classes):
        name = "K" if c == n_classes else str(c)
        out[f"disputed < 1/2, {name} clusters"] = (
            None,
            km(DisputedSelection(thresholds), c),
        )
    cl2 = km(DisputedSelection(thresholds), 2)
    out["disputed < 1/2, 2 clusters, + undisputed rows of rejected ones"] = (
        None,
        cl2 | ~disputed,
    )
    out["agreement, 2 clusters, + undisputed rows of rejected ones"] = (
        None,
        default.kept_mask_ | ~disputed,
    )
    out["CL row rule (keep undisputed rows)"] = (None, ~disputed)
    return out, times


def undisputed_variant(filt, y, max_disputed, max_rival_share):
    """The kept mask of ``selection="undisputed"`` with other constants, on the
    clusters and out-of-fold probabilities of the fitted ``filt`` (same code
    path as the filter, its two constants patched)."""
    from unittest import mock

    from skclean._probabilities import confident_rivals
    from skclean.filters import _kmeans

    P, n_clusters = filt.y_proba_, filt.n_clusters
    keep = np.zeros(y.shape[0], bool)
    with mock.patch.multiple(
        _kmeans, _MAX_DISPUTED=max_disputed, _MAX_RIVAL_SHARE=max_rival_share
    ):
        rivals = confident_rivals(y, P)
        for k in range(P.shape[1]):
            rows = np.flatnonzero(y == k)
            _, keep[rows] = _kmeans._undisputed_clusters(
                rivals[rows], P[rows], k, filt.cluster_labels_[rows], n_clusters
            )
    return keep


def kmeans_threshold_candidates(X, y, seed):
    """Fourth round: the disputed-fraction bar of ``selection="undisputed"`` and
    its keeping of the undisputed rows of rejected clusters (``rescue``: when
    no rival class holds half of the cluster's disputed rows; ``always``;
    ``never``)."""
    n = y.shape[0]
    t0 = time.perf_counter()
    filt = KMeansLabelFilter(selection="undisputed", random_state=seed).fit(X, y)
    times = {"KMeansLabelFilter(selection='undisputed') fit": time.perf_counter() - t0}
    agreement = KMeansLabelFilter(selection="agreement", random_state=seed)
    out = {
        "no filter": (None, np.ones(n, bool)),
        "agreement (previous default)": (None, agreement.fit(X, y).kept_mask_),
    }
    variants = [
        ("1/3", 1 / 3, "never", 0.0),
        ("1/3", 1 / 3, "rescue", 0.5),
        ("1/3", 1 / 3, "always", 1.01),
        ("0.4", 0.4, "rescue", 0.5),
        ("1/2", 0.5, "never", 0.0),
        ("1/2", 0.5, "rescue", 0.5),
    ]
    for bar, max_disputed, rescue, share in variants:
        out[f"undisputed, disputed < {bar}, undisputed rows: {rescue}"] = (
            None,
            undisputed_variant(filt, y, max_disputed, share),
        )
    return out, times


# --------------------------------------------------------------------------
# Confidence and relabelling rules on out-of-fold probabilities
# --------------------------------------------------------------------------
def confident_learning_keep(P, y):
    """Reject a row when another class k reaches its own per-class threshold
    (mean self-confidence of the rows labelled k) and beats the given label."""
    n, K = P.shape
    t = np.array([P[y == k, k].mean() for k in range(K)])
    above = P >= t[None, :]
    above[np.arange(n), y] = False
    own = P[np.arange(n), y]
    beaten = above & (P > own[:, None])
    return ~beaten.any(axis=1)


def relabel(P, y, seed, rule):
    """Cluster the probability vectors into K clusters, match them one-to-one to
    labels (most labels kept), then relabel by ``rule``:

    - "all": every row gets its cluster's matched label (current default);
    - "mismatch": only clusters whose matched label is not their majority label
      are relabelled, and only if that label's mean probability there is at
      least half the majority label's;
    """
    K = P.shape[1]
    clusters = KMeans(K, n_init=10, random_state=seed).fit_predict(P)
    counts = np.zeros((K, K))
    np.add.at(counts, (clusters, y), 1)
    _, match = linear_sum_assignment(counts, maximize=True)
    if rule == "all":
        return match[clusters]
    out = y.copy()
    for c in range(K):
        rows = clusters == c
        if not rows.any():
            continue
        majority = int(np.argmax(counts[c]))
        m = int(match[c])
        if m == majority:
            continue
        if P[rows, m].mean() >= 0.5 * P[rows, majority].mean():
            out[rows] = m
    return out


# --------------------------------------------------------------------------
# Downstream classifiers
# --------------------------------------------------------------------------
def make_classifier(name, seed, epochs):
    if name == "LR":
        return LogisticRegression(max_iter=300)
    import torch
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import CosineAnnealingLR

    from skclean.nets import MLP, CNNClassifier

    torch.set_num_threads(1)
    return CNNClassifier(
        module=MLP,
        max_epochs=epochs,
        batch_size=128,
        lr=1e-3,
        callbacks=[("lr", LRScheduler(CosineAnnealingLR, T_max=epochs))],
        device="cpu",
        random_state=seed,
    )


def confidence_candidates(X, y, seed):
    """Second round: row rules for ConfidenceRankFilter in drop mode that keep
    more of the hard, correctly labelled rows than plain agreement."""
    nf, n = X.shape[1], y.shape[0]
    P_lr = oof_proba(lr_model(nf), X, y, seed)
    P_knn = oof_proba(knn_model(nf, 50), X, y, seed)
    out = {"no filter": (None, np.ones(n, bool))}
    for tag, P in (("P_lr", P_lr), ("P_knn50", P_knn)):
        own = P[np.arange(n), y]
        agree = own >= P.max(axis=1)
        out[f"agree ({tag})"] = (None, agree)
        out[f"CL rule ({tag})"] = (None, confident_learning_keep(P, y))
        out[f"P(label) >= 0.1 ({tag})"] = (None, own >= 0.1)
        out[f"agree or P(label) >= max/2 ({tag})"] = (
            None,
            agree | (own >= 0.5 * P.max(axis=1)),
        )
    return out, {}


def candidates(X, y, seed, n_classes):
    """Return {name: (y_out_or_None, keep_mask)} for every candidate."""
    nf = X.shape[1]
    t0 = time.perf_counter()
    P_lr = oof_proba(lr_model(nf), X, y, seed)
    t_lr = time.perf_counter() - t0
    P_knn = {}
    t_knn = {}
    for k in (15, 50):
        t0 = time.perf_counter()
        P_knn[k] = oof_proba(knn_model(nf, k), X, y, seed)
        t_knn[k] = time.perf_counter() - t0
    out, times = {}, {"oof LR": t_lr, "oof kNN15": t_knn[15], "oof kNN50": t_knn[50]}
    n = y.shape[0]
    out["no filter"] = (None, np.ones(n, bool))

    def km(Z, selection):
        filt = KMeansLabelFilter(
            features=None if Z is None else FixedEmbedding(Z),
            selection=selection,
            random_state=seed,
        )
        filt.fit(X, y)
        return filt.kept_mask_

    out["KMeans paper (pixels, farthest)"] = (None, km(None, "farthest"))
    out["KMeans sqrt P_knn50, farthest"] = (None, km(np.sqrt(P_knn[50]), "farthest"))
    for k in (15, 50):
        out[f"KMeans sqrt P_knn{k}, agreement"] = (
            None,
            km(np.sqrt(P_knn[k]), AgreementSelection(n_classes)),
        )
    out["KMeans sqrt P_lr, agreement"] = (
        None,
        km(np.sqrt(P_lr), AgreementSelection(n_classes)),
    )

    def crf(P, **kw):
        return ConfidenceRankFilter(**kw).fit(X, y, y_proba=P).kept_mask_

    out["Confidence paper (0.9, top 10%)"] = (
        None,
        crf(P_lr, threshold=0.9, min_fraction=0.1),
    )
    out["Confidence agree (P_lr, min 10%)"] = (
        None,
        crf(P_lr, threshold=0.0, min_fraction=0.1),
    )
    out["Confidence agree (P_knn50, min 10%)"] = (
        None,
        crf(P_knn[50], threshold=0.0, min_fraction=0.1),
    )
    out["Confidence CL rule (P_lr)"] = (None, confident_learning_keep(P_lr, y))
    out["Relabel all (P_lr)"] = (relabel(P_lr, y, seed, "all"), np.ones(n, bool))
    out["Relabel mismatch (P_lr)"] = (
        relabel(P_lr, y, seed, "mismatch"),
        np.ones(n, bool),
    )
    return out, times


def run_setting(
    dataset, label, kind, rate, seed, classifiers, epochs, n_train, make=None
):
    data = load_noisy_dataset(
        dataset,
        kind=kind,
        rate=rate,
        pairs="ding2018" if kind == "asymmetric" else None,
        n_train=n_train,
        random_state=seed,
    )
    X = np.asarray(data.X_train, dtype=np.float32).reshape(len(data.X_train), -1)
    y_noisy, y_clean = data.y_train, data.y_train_clean
    # Development split of the NOISY training data; the test set is not used.
    idx_tr, idx_va = train_test_split(
        np.arange(len(y_noisy)), test_size=0.2, stratify=y_noisy, random_state=seed
    )
    X_tr, y_tr, yc_tr = X[idx_tr], y_noisy[idx_tr], y_clean[idx_tr]
    X_va, y_va = X[idx_va], y_noisy[idx_va]
    n_classes = np.unique(y_noisy).size
    t0 = time.perf_counter()
    if make is None:
        cands, times = candidates(X_tr, y_tr, seed, n_classes)
    else:
        cands, times = make(X_tr, y_tr, seed)
    rows = []
    for name, (y_out, keep) in cands.items():
        y_fit = y_tr if y_out is None else y_out
        row = {
            "dataset": dataset,
            "setting": label,
            "seed": seed,
            "candidate": name,
            "kept": float(keep.mean()),
            "precision": float(np.mean(y_fit[keep] == yc_tr[keep])),
        }
        for clf_name in classifiers:
            start = time.perf_counter()
            clf = make_classifier(clf_name, seed, epochs)
            clf.fit(X_tr[keep], y_fit[keep])
            row[f"noisy_val_{clf_name}"] = float(np.mean(clf.predict(X_va) == y_va))
            row[f"seconds_{clf_name}"] = time.perf_counter() - start
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"# {dataset} {label} seed {seed}: {time.perf_counter() - t0:.0f} s", times)
    return rows, times


def summarise(rows, classifiers):
    """Markdown: per setting, candidate metrics and the gap to no filter."""
    lines = []
    keys = sorted({(r["dataset"], r["setting"]) for r in rows}, key=lambda k: k)
    for ds, setting in keys:
        sub = [r for r in rows if r["dataset"] == ds and r["setting"] == setting]
        names = list(dict.fromkeys(r["candidate"] for r in sub))
        clfs = [c for c in classifiers if f"noisy_val_{c}" in sub[0]]
        lines.append(f"\n### {ds}, {setting}\n")
        head = "| candidate | kept | precision | " + " | ".join(
            f"noisy-val {c} (vs none)" for c in clfs
        )
        lines.append(head + " |")
        lines.append("| --- | ---: | ---: |" + " ---: |" * len(clfs))
        base = {
            c: np.mean(
                [r[f"noisy_val_{c}"] for r in sub if r["candidate"] == "no filter"]
            )
            for c in clfs
        }
        for name in names:
            rs = [r for r in sub if r["candidate"] == name]
            cells = [
                f"{np.mean([r['kept'] for r in rs]):.3f}",
                f"{np.mean([r['precision'] for r in rs]):.3f}",
            ]
            for c in clfs:
                v = np.mean([r[f"noisy_val_{c}"] for r in rs])
                cells.append(f"{100 * v:.2f} ({100 * (v - base[c]):+.2f})")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


PROTOCOL = (
    "Protocol: filters and classifiers are fit on 80% of the NOISY training "
    "set; the criterion is accuracy on the other 20%, whose labels are as "
    "noisy. Test data are not loaded. Precision (kept labels that are "
    "correct, on the development-training part) and kept fraction are "
    "diagnostics. In brackets: difference to no filter, in points."
)


def start_run(args, name, title):
    """A ``_common.Run`` (provenance and load recorded now, before any fit)."""
    settings = {
        "seeds": args.seeds,
        "mlp_epochs": args.epochs,
        "n_train": args.n_train,
        "round": name,
        "protocol": "80/20 split of the noisy training set; criterion: accuracy "
        "on the noisy validation labels; no test data loaded",
    }
    return _common.Run(name, title, settings, out=args.out, measures_memory=False)


def write_round(run, rows, classifiers, intro, **extra):
    """Write the round's JSON and markdown (after every setting: a stopped
    run keeps what it measured)."""
    body = "\n".join([*intro, "", PROTOCOL, summarise(rows, classifiers)])
    run.write({"rows": rows, **extra}, body)


def confidence_round(args):
    name = f"{NAME}_confidence"
    run = start_run(
        args, name, "ConfidenceRankFilter drop-mode rules: development study, round 2"
    )
    intro = [
        f"Seeds: {args.seeds}; MLP epochs: {args.epochs}; MNIST rows: "
        f"{args.n_train}. Candidates: `confidence_candidates`."
    ]
    rows = []
    for seed in args.seeds:
        for label, kind, rate in SETTINGS[:4]:
            r, _ = run_setting(
                "mnist",
                label,
                kind,
                rate,
                seed,
                ["MLP"],
                args.epochs,
                args.n_train,
                make=confidence_candidates,
            )
            rows += r
            write_round(run, rows, ["MLP"], intro)


def kmeans_round(args, thresholds=False):
    """Round 3: KMeansLabelFilter cluster rules (agreement vs disputed);
    ``thresholds``: round 4, the constants of ``selection="undisputed"``."""
    name = f"{NAME}_kmeans" + ("_thresholds" if thresholds else "")
    title = "KMeansLabelFilter cluster rules: development study, round " + (
        "4 (undisputed: disputed bar and undisputed rows of rejected clusters)"
        if thresholds
        else "3"
    )
    run = start_run(args, name, title)
    make = kmeans_threshold_candidates if thresholds else kmeans_candidates
    intro = [
        f"Seeds: {args.seeds}; MLP epochs: {args.epochs}; MNIST rows: "
        f"{args.n_train}; digits with LogisticRegression and the MLP. "
        f"Candidates: `{make.__name__}` (every rule on the square-rooted "
        "out-of-fold probabilities of `KMeansLabelFilter()`, same K-means "
        "seeds). 'disputed': the row's label is beaten by a class j with "
        "P(j) >= t_j, t_j the mean P(j) over the rows labelled j (confident "
        "learning's per-class thresholds). K: one cluster per class.",
        "",
        "Asymmetric 0.6 is shown but not used to choose: there the noisy "
        "labels of the 2s are mostly 7, so noisy-validation accuracy rewards "
        "the noise (benchmarks/README.md, protocol rule 1); the rule is fixed "
        "from the other settings.",
    ]
    rows, times = [], []
    for seed in args.seeds:
        jobs = [("digits", "symmetric 0.4", "symmetric", 0.4, ["LR", "MLP"], None)]
        if not args.quick:
            jobs += [
                ("mnist", label, kind, rate, ["MLP"], args.n_train)
                for label, kind, rate in SETTINGS
            ]
        for dataset, label, kind, rate, classifiers, n_train in jobs:
            r, t = run_setting(
                dataset,
                label,
                kind,
                rate,
                seed,
                classifiers,
                args.epochs,
                n_train,
                make=make,
            )
            rows += r
            times.append({"dataset": dataset, "setting": label, "seed": seed, **t})
            write_round(run, rows, ["LR", "MLP"], intro, filter_seconds=times)


def claimed_labels(filt, y):
    """Where ``KMeansLabelFilter``'s claimed-label rule acts on a fitted filter.

    Returns the labels a rival class claims, the rows the rule keeps that the
    undisputed rule without it rejects, and the smallest margin over labels
    (fraction of the label's rows no class disputes minus the largest fraction
    one rival class disputes; the rule acts below zero).
    """
    from unittest import mock

    from skclean._probabilities import confident_rivals
    from skclean.filters import _kmeans

    y_index = np.searchsorted(filt.classes_, y)
    rivals = confident_rivals(y_index, filt.y_proba_)
    claimed, changed, margins = [], 0, []
    for k, label in enumerate(filt.classes_.tolist()):
        rows = np.flatnonzero(y_index == k)
        margins.append(_kmeans._rival_margin(rivals[rows]))
        if _kmeans._claimed_by_a_rival(rivals[rows]):
            claimed.append(label)
            with mock.patch.object(_kmeans, "_claimed_by_a_rival", lambda r: False):
                _, without = _kmeans._undisputed_clusters(
                    rivals[rows],
                    filt.y_proba_[rows],
                    k,
                    filt.cluster_labels_[rows],
                    filt.n_clusters,
                )
            changed += int(np.count_nonzero(filt.kept_mask_[rows] != without))
    return {"claimed": claimed, "rows_changed": changed, "margin": min(margins)}


def claimed_jobs(seeds):
    """``(benchmark, setting, seed, loader)`` for the training data on which a
    committed benchmark fits ``KMeansLabelFilter()`` at its defaults."""
    try:
        from . import bench_end_to_end_mnist as e2e
        from . import bench_filters, bench_two_stage_mnist
    except ImportError:
        import bench_end_to_end_mnist as e2e
        import bench_filters
        import bench_two_stage_mnist

    def mnist(kind, rate, seed, n_train):
        pairs = "ding2018" if kind == "asymmetric" else None
        data = load_noisy_dataset(
            "mnist",
            kind=kind,
            rate=rate,
            pairs=pairs,
            n_train=n_train,
            random_state=seed,
        )
        return data.X_train, data.y_train

    def digits(seed):
        data = load_noisy_dataset(
            "digits", kind="symmetric", rate=0.4, random_state=seed
        )
        return data.X_train, data.y_train

    def two_stage(seed, setting):
        data = bench_two_stage_mnist.load_task(seed, setting, "quick")
        return data["X"], data["y_noisy"]

    def end_to_end(seed, setting, mode):
        data = e2e.load_data(seed, setting, mode)
        return data["X"], data["y_noisy"]

    def filters(setting, mode):
        data = bench_filters.load_setting(setting, bench_filters.SIZES[mode])
        return data["X"], data["y"]

    jobs = []
    for seed in seeds:
        jobs.append(
            ("default_filters", "digits symmetric 0.4", seed, lambda s=seed: digits(s))
        )
        jobs += [
            (
                "default_filters",
                label,
                seed,
                lambda k=kind, r=rate, s=seed: mnist(k, r, s, 10_000),
            )
            for label, kind, rate in SETTINGS
        ]
        jobs += [
            (
                "end_to_end_mnist_medium",
                setting,
                seed,
                lambda s=seed, t=setting: end_to_end(s, t, "medium"),
            )
            for setting in e2e.NOISE
            if seed == 0 or setting == e2e.DEEPCLEANNET_SETTING
        ]
    jobs.append(
        (
            "default_filters (timing)",
            "symmetric 0.5, 60,000 rows",
            0,
            lambda: mnist("symmetric", 0.5, 0, None),
        )
    )
    jobs += [
        (
            "end_to_end_mnist_quick",
            setting,
            0,
            lambda t=setting: end_to_end(0, t, "quick"),
        )
        for setting in e2e.NOISE
    ]
    jobs += [
        ("two_stage_mnist_quick", setting, 0, lambda t=setting: two_stage(0, t))
        for setting in bench_two_stage_mnist.NOISE
    ]
    for mode in ("quick", "full"):
        for setting in bench_filters.NOISE_SETTINGS:
            label = f"{setting['kind']} {setting['rate']}"
            jobs.append(
                (
                    f"filters ({mode})",
                    label,
                    bench_filters.NOISE_SEED,
                    lambda t=setting, m=mode: filters(t, m),
                )
            )
    return jobs


def claimed_round(args):
    """Round 5: where the claimed-label rule changes ``KMeansLabelFilter()``."""
    name = f"{NAME}_claimed"
    run = start_run(
        args, name, "KMeansLabelFilter: where the claimed-label rule acts, round 5"
    )
    intro = [
        "`KMeansLabelFilter()` keeps a label whole when one rival class "
        "confidently disputes more of its rows than no class disputes. This "
        "round fits the filter at its defaults on the training data of every "
        "committed benchmark that uses it (the same loaders, seeds and rows; "
        "the relabelled labels of `relabel + ...` rows are not covered) and "
        "reports where the rule acts. Where no label is claimed the kept rows "
        "are those of the rule without it, row for row. No test labels are "
        "read.",
        "",
        "Margin: over the labels, the smallest (fraction of the label's rows no "
        "class disputes) - (largest fraction one rival class disputes); the "
        "rule acts below zero.",
        "",
        "| benchmark | setting | seed | rows | claimed labels | rows changed | "
        "margin |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    rows = []
    for benchmark, setting, seed, load in claimed_jobs(args.seeds):
        X, y = load()
        X = X.reshape(len(X), -1)
        filt = KMeansLabelFilter(random_state=seed).fit(X, y)
        r = {
            "benchmark": benchmark,
            "setting": setting,
            "seed": seed,
            "n_rows": len(y),
            **claimed_labels(filt, y),
        }
        print(r, flush=True)
        rows.append(r)
        table = [
            f"| {r['benchmark']} | {r['setting']} | {r['seed']} | {r['n_rows']} | "
            f"{r['claimed'] or 'none'} | {r['rows_changed']} | {r['margin']:.3f} |"
            for r in rows
        ]
        run.write({"rows": rows}, "\n".join(intro + table))


def main(argv=None):
    parser = _common.base_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="digits only")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=10, help="MLP epochs")
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument(
        "--confidence-round",
        action="store_true",
        help="second round: ConfidenceRankFilter drop-mode rules only, MNIST, MLP",
    )
    parser.add_argument(
        "--kmeans-round",
        action="store_true",
        help="third round: KMeansLabelFilter cluster rules, digits and MNIST",
    )
    parser.add_argument(
        "--kmeans-threshold-round",
        action="store_true",
        help="fourth round: the constants of KMeansLabelFilter's undisputed rule",
    )
    parser.add_argument(
        "--claimed-round",
        action="store_true",
        help="fifth round: where KMeansLabelFilter's claimed-label rule acts on "
        "the benchmarks' training data (use --seeds 0 1 2)",
    )
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    if args.confidence_round:
        return confidence_round(args)
    if args.claimed_round:
        return claimed_round(args)
    if args.kmeans_round or args.kmeans_threshold_round:
        return kmeans_round(args, thresholds=args.kmeans_threshold_round)
    run = start_run(args, NAME, "Filter defaults: development study")
    intro = [
        f"Seeds: {args.seeds}; MLP epochs: {args.epochs}; MNIST rows: "
        f"{args.n_train}. Candidates: `candidates`."
    ]
    rows, times = [], []
    for seed in args.seeds:
        jobs = [("digits", *s, None) for s in DIGITS_SETTINGS]
        if not args.quick:
            jobs += [("mnist", *s, args.n_train) for s in SETTINGS]
        for dataset, label, kind, rate, n_train in jobs:
            r, t = run_setting(
                dataset, label, kind, rate, seed, ["LR", "MLP"], args.epochs, n_train
            )
            rows += r
            times.append({"dataset": dataset, "setting": label, "seed": seed, **t})
            write_round(run, rows, ["LR", "MLP"], intro, oof_seconds=times)


if __name__ == "__main__":
    main()
