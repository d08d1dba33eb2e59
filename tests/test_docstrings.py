"""Every public class and function has a complete numpydoc docstring.

Public objects join by existing: every class and function named in the
``__all__`` of a public module of skclean, plus every estimator that
:func:`skclean.utils.all_estimators` finds. For each one:

- the docstring has a summary, ``Parameters`` when there are parameters,
  ``Returns`` for a function, ``Examples`` for a function or an estimator and
  ``Attributes`` for an estimator;
- every parameter of the signature (``__init__`` for a class) is documented,
  and, where the signature has no ``**kwargs``, nothing else is;
- every fitted attribute (ending in ``_``) that a quick fit on digits creates
  is listed under ``Attributes``.

Known gaps are listed in ``KNOWN_GAPS`` with exactly what is missing. Their
tests are strict expected failures: they fail once a gap is closed (remove its
entry then) and fail as well when what is missing changes.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

import skclean
from skclean.utils import all_estimators

docscrape = pytest.importorskip("numpydoc.docscrape")

# (check, public name) -> what is missing, exactly as the test reports it.
KNOWN_GAPS = {}


def _public_objects():
    """{public name: object} for the classes and functions skclean exports."""
    found = {}
    for module_info in pkgutil.walk_packages(skclean.__path__, prefix="skclean."):
        parts = module_info.name.split(".")
        if any(part.startswith("_") or part == "tests" for part in parts[1:]):
            continue
        module = importlib.import_module(module_info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants and scorer objects
            if not getattr(obj, "__module__", "").startswith("skclean"):
                continue  # re-exported from another package
            found.setdefault(obj, []).append(f"{module_info.name}.{name}")
    for name, cls in all_estimators():
        found.setdefault(cls, []).append(f"{cls.__module__}.{name}")
    # The shortest public path names each object (skclean.nets.CNNClassifier).
    named = {
        min(paths, key=lambda p: (p.count("."), p)): obj for obj, paths in found.items()
    }
    return dict(sorted(named.items()))


PUBLIC = _public_objects()
ESTIMATORS = {
    name: obj
    for name, obj in PUBLIC.items()
    if inspect.isclass(obj) and obj in dict(all_estimators()).values()
}


def _cases(check, names):
    """Parametrize over ``names``; known gaps become strict expected failures."""
    for name in names:
        marks = ()
        if (check, name) in KNOWN_GAPS:
            marks = pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason=f"known gap, missing {sorted(KNOWN_GAPS[check, name])}",
            )
        yield pytest.param(name, id=name, marks=marks)


def _assert_nothing_missing(check, name, missing):
    """Fail plainly if a known gap changed; assert (xfail) if it is still open."""
    missing = set(missing)
    known = KNOWN_GAPS.get((check, name))
    if known is not None and missing and missing != known:
        pytest.fail(
            f"KNOWN_GAPS is stale for {check} of {name}: it lists {sorted(known)}, "
            f"but what is missing now is {sorted(missing)}. Update the entry."
        )
    assert not missing, f"{name}: missing {check}: {sorted(missing)}"


def _doc(obj):
    return (
        docscrape.ClassDoc(obj) if inspect.isclass(obj) else docscrape.FunctionDoc(obj)
    )


def _signature(obj):
    """The signature to document, or None for a class without its own __init__."""
    if inspect.isclass(obj):
        init = obj.__init__
        if not getattr(init, "__module__", "").startswith("skclean"):
            return None  # object's, dict's or a third party's __init__
        obj = init
    return inspect.signature(obj)


def _signature_names(signature):
    stars = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return [
        stars.get(p.kind, "") + p.name
        for p in signature.parameters.values()
        if p.name != "self"
    ]


def _documented_names(section):
    """Names of a Parameters or Attributes section; ``a, b : type`` counts both."""
    names = set()
    for entry in section:
        for name in entry.name.replace("\\", "").split(","):
            if name.strip():
                names.add(name.strip())
    return names


def test_every_public_name_is_checked():
    assert "skclean.noise.flip_labels" in PUBLIC
    assert "skclean.filters.KMeansLabelFilter" in ESTIMATORS
    assert all(cls in ESTIMATORS.values() for _, cls in all_estimators())
    assert all(issubclass(cls, BaseEstimator) for cls in ESTIMATORS.values())
    stale = {name for _, name in KNOWN_GAPS} - set(PUBLIC)
    assert not stale, f"KNOWN_GAPS names objects that are not public: {sorted(stale)}"


def test_api_reference_lists_every_public_name():
    """docs/api.rst names everything in the ``__all__`` of a public module."""
    api = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"\b\w+\b", api))
    missing = set()
    for module_info in pkgutil.walk_packages(skclean.__path__, prefix="skclean."):
        if any(part.startswith("_") for part in module_info.name.split(".")[1:]):
            continue
        module = importlib.import_module(module_info.name)
        missing |= {
            name for name in getattr(module, "__all__", ()) if name not in listed
        }
    assert not missing, f"docs/api.rst does not list {sorted(missing)}"


@pytest.mark.parametrize("name", _cases("sections", PUBLIC))
def test_docstring_sections(name):
    obj = PUBLIC[name]
    assert inspect.getdoc(obj), f"{name} has no docstring"
    doc = _doc(obj)
    required = {"Summary"}
    signature = _signature(obj)
    if signature is not None and _signature_names(signature):
        required.add("Parameters")
    if inspect.isfunction(obj):
        required |= {"Returns", "Examples"}
    if name in ESTIMATORS:
        required |= {"Attributes", "Examples"}
    missing = {section for section in required if not doc[section]}
    if "Returns" in missing and doc["Yields"]:
        missing.discard("Returns")
    _assert_nothing_missing("sections", name, missing)


@pytest.mark.parametrize(
    "name",
    _cases("parameters", [n for n, o in PUBLIC.items() if _signature(o) is not None]),
)
def test_parameters_documented(name):
    obj = PUBLIC[name]
    in_signature = _signature_names(_signature(obj))
    documented = _documented_names(_doc(obj)["Parameters"])
    if not any(p.startswith("**") for p in in_signature):
        # Without **kwargs, a documented name the signature lacks is stale.
        plain = {p.lstrip("*") for p in in_signature}
        extra = {d for d in documented if d.lstrip("*") not in plain}
        if extra:
            pytest.fail(
                f"{name} documents parameters it does not take: {sorted(extra)}"
            )
    # "*args" and "**kwargs" may be documented with or without their stars.
    documented |= {"*" + d for d in documented} | {"**" + d for d in documented}
    _assert_nothing_missing(
        "parameters", name, [p for p in in_signature if p not in documented]
    )


# -- fitted attributes ------------------------------------------------------------


def _fit_settings():
    """name -> (constructor params, fit method); small settings, each fit < 1 s."""
    from skclean.filters import KMeansLabelFilter
    from skclean.nets import MLP

    net = dict(module=MLP, max_epochs=1, batch_size=256, random_state=0)
    return {
        "FilteredClassifier": dict(
            filter=KMeansLabelFilter(random_state=0),
            classifier=LogisticRegression(max_iter=200),
        ),
        "Pipeline": dict(
            steps=[
                ("filter", KMeansLabelFilter(random_state=0)),
                ("clf", LogisticRegression(max_iter=200)),
            ]
        ),
        "ConfidenceRankFilter": dict(cv=3, random_state=0),
        "KMeansLabelFilter": dict(random_state=0),
        "LabelNoise": dict(random_state=0),
        "CNNClassifier": net,
        "PiModelClassifier": net,
    }


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def _public_attributes(estimator):
    return {
        a
        for a in vars(estimator)
        if a.endswith("_") and not a.startswith("_") and not a.endswith("__")
    }


@pytest.mark.parametrize("name", _cases("attributes", ESTIMATORS))
def test_fitted_attributes_documented(name, digits):
    cls = ESTIMATORS[name]
    settings = _fit_settings()
    short = cls.__name__
    try:
        estimator = cls(**settings.get(short, {}))
    except TypeError as exc:  # pragma: no cover - a new estimator with required params
        pytest.fail(f"Add fit settings for {short} to _fit_settings(): {exc}")
    X, y = digits
    if getattr(cls, "_accepts_unlabeled", False):
        y = y.copy()
        y[::2] = -1  # half of the rows unlabelled
    # skorch keeps some attributes (prefixes_ ...) on the class; fit copies them.
    before = {a for a in dir(estimator) if a.endswith("_")}
    if hasattr(estimator, "fit_resample"):
        estimator.fit_resample(X, y)
    else:
        estimator.fit(X, y)
    created = _public_attributes(estimator) - before
    documented = _documented_names(docscrape.ClassDoc(cls)["Attributes"])
    _assert_nothing_missing("attributes", name, created - documented)
