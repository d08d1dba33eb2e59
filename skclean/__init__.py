"""skclean: scikit-learn and PyTorch classifiers for data whose labels are wrong."""

import importlib

__version__ = "0.1.0.dev0"

# Public name -> submodule that defines it. Imported lazily so that
# ``import skclean`` stays cheap (the nets pull in torch and skorch).
_PUBLIC = {
    "flip_labels": "skclean.noise",
    "transition_matrix": "skclean.noise",
    "LabelNoise": "skclean.noise",
    "CNNClassifier": "skclean.nets",
    "PiModelClassifier": "skclean.nets",
    "KMeansLabelFilter": "skclean.filters",
    "ConfidenceRankFilter": "skclean.filters",
    "ClusterRelabeler": "skclean.filters",
    "Pipeline": "skclean.pipeline",
    "make_pipeline": "skclean.pipeline",
    "FilteredClassifier": "skclean.pipeline",
    "find_label_issues": "skclean.audit",
    "label_quality_scores": "skclean.audit",
    "estimate_noise_matrix": "skclean.audit",
    "class_label_quality": "skclean.audit",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skclean' has no attribute {name!r}")


def __dir__():
    return __all__
