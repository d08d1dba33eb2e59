"""Sphinx configuration of skclean's documentation.

Build (warnings are errors; every gallery example and every Python code block
of the pages is executed, see ``_ext/run_snippets.py``)::

    pip install -q -c .ci/constraints.txt -e ".[docs]"
    python -m sphinx -q -W --keep-going -b html docs docs/_build/html

Set ``SKCLEAN_DOCS_INTERSPHINX=1`` to link to the documentation of
scikit-learn, imbalanced-learn, skorch, PyTorch and NumPy; that needs internet
access to download their inventories, so it is off by default and the build
works offline.
"""

import os
import sys
from pathlib import Path

# One thread per library before numpy, scipy or torch is imported: the gallery
# examples are small, and on a busy two-core machine competing OpenMP/BLAS
# threads made them ten times slower.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("MPLBACKEND", "agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

import skclean  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "skclean"
author = "skclean developers"
copyright = "skclean developers"
release = skclean.__version__
version = release.split(".dev")[0]

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "run_snippets",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"
# Unresolved cross-references to other projects stay plain text (offline build).
nitpicky = False

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {}
autodoc_typehints = "none"
autoclass_content = "class"
# numpydoc renders the sections; its per-class member tables would duplicate
# the ones the class template writes.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx (opt-in: needs internet) -------------------------------------
if os.environ.get("SKCLEAN_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "sklearn": ("https://scikit-learn.org/stable/", None),
        "imblearn": ("https://imbalanced-learn.org/stable/", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable/", None),
        "torch": ("https://docs.pytorch.org/docs/stable/", None),
    }
else:
    intersphinx_mapping = {}
    intersphinx_disabled_reftypes = ["*"]


# -- sphinx-gallery -----------------------------------------------------------
# The examples run in this process, one after the other; OMP_NUM_THREADS above
# also sets torch's thread count.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "ExampleTitleSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skclean",),
    "reference_url": {"skclean": None},
    "reset_modules": ("matplotlib",),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    "min_reported_time": 1,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skclean {version}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = False
html_context = {"default_mode": "light"}


# -- Docstring fixes at build time ---------------------------------------------
import re  # noqa: E402

# In a numpydoc type such as "ndarray of shape (n_features_in_,)", reST reads
# the trailing underscore of an attribute name as a link to a target; quote it
# (scikit-learn writes ``(`n_features_in_`,)`` in its sources for this reason).
_FIELD_LINE = re.compile(r"^(\s*\*{0,2}[\w, .\\]+ : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![`\w])")


def _quote_attribute_names_in_types(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _FIELD_LINE.match(line)
        if match:
            head, type_ = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"``\1``", type_)


# scikit-learn's metadata-routing methods (the generated set_{method}_request
# and the inherited get_metadata_routing) refer to labels of scikit-learn's own
# docs; skclean's own overrides stay.
_REQUEST_METHOD = re.compile(r"^set_\w+_request$")


def _skip_members(app, what, name, obj, skip, options):
    if _REQUEST_METHOD.match(name):
        return True
    if name == "get_metadata_routing" and not getattr(obj, "__module__", "").startswith(
        "skclean"
    ):
        return True
    return None


# Docstrings inherited from scikit-learn, imbalanced-learn or skorch refer to
# labels and glossary terms of their own sites (:ref:`metadata_routing`,
# :term:`meta-estimator`); without intersphinx those cannot resolve, so they
# become plain text. skclean's own docstrings are left alone.
_FOREIGN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _plain_foreign_roles(app, what, name, obj, options, lines):
    if intersphinx_mapping or getattr(obj, "__module__", "skclean").startswith(
        "skclean"
    ):
        return
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(lambda m: m.group(1) or m.group(2), line)


# Offline, the pages' own :ref:s to labels of other projects' docs resolve to
# these addresses (with SKCLEAN_DOCS_INTERSPHINX=1 intersphinx resolves them).
_OFFLINE_LABELS = {
    "metadata_routing": "https://scikit-learn.org/stable/metadata_routing.html",
}


def _resolve_offline_labels(app, env, node, contnode):
    if intersphinx_mapping or node.get("reftype") != "ref":
        return None
    uri = _OFFLINE_LABELS.get(node.get("reftarget"))
    if uri is None:
        return None
    from docutils import nodes

    reference = nodes.reference("", "", internal=False, refuri=uri)
    reference.append(contnode)
    return reference


def setup(app):
    # Before numpydoc (priority 500) parses the docstring.
    app.connect(
        "autodoc-process-docstring", _quote_attribute_names_in_types, priority=400
    )
    app.connect("autodoc-process-docstring", _plain_foreign_roles, priority=400)
    app.connect("autodoc-skip-member", _skip_members)
    app.connect("missing-reference", _resolve_offline_labels)
