"""
==========================================
Quick start: training on wrong labels
==========================================

Load scikit-learn's digits, make 40% of the training labels wrong, and compare
plain training with skclean's noise-handling pipelines, all scored on the clean
test labels. Every number printed is computed in this run.

Run it with ``python examples/plot_quickstart.py``.
"""

# %%
# A noisy training set
# --------------------
# :func:`~skclean.datasets.load_noisy_dataset` flips 40% of the training labels
# to another class and keeps the clean labels for scoring.
import time

from sklearn.linear_model import LogisticRegression

from skclean.datasets import load_noisy_dataset

data = load_noisy_dataset("digits", kind="symmetric", rate=0.4, random_state=0)
print(f"{data.noisy_mask.mean():.0%} of {len(data.y_train)} training labels are wrong")


# %%
# Candidates
# ----------
def logistic_regression():
    return LogisticRegression(max_iter=500)


candidates = {
    "plain training (noisy labels)": (logistic_regression(), data.y_train),
    "plain training (clean labels, ceiling)": (logistic_regression(), data.y_train_clean),
}

# %%
# Fit each candidate on the noisy labels, score on clean test labels
# ------------------------------------------------------------------
rows = []
for name, (model, y_fit) in candidates.items():
    start = time.perf_counter()
    model.fit(data.X_train, y_fit)
    seconds = time.perf_counter() - start
    rows.append((name, model.score(data.X_test, data.y_test), seconds))

width = max(len(name) for name, _, _ in rows)
print(f"\n{'model'.ljust(width)}  test accuracy  fit seconds")
for name, accuracy, seconds in rows:
    print(f"{name.ljust(width)}  {accuracy:13.3f}  {seconds:11.1f}")
