"""Model performance from a label (target) column and a prediction column, with numpy only."""

from __future__ import annotations

import numpy as np

#: Metrics where a larger value is better; for the others (errors) smaller is better.
HIGHER_IS_BETTER = frozenset({"accuracy", "f1", "r2"})


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``rmse``, ``mae`` and ``r2`` (as scikit-learn computes them) of paired finite values."""
    error = y_pred - y_true
    ss_res = float(np.dot(error, error))
    centered = y_true - y_true.mean()
    ss_tot = float(np.dot(centered, centered))
    # A constant target: scikit-learn's force_finite convention (1 when perfect, else 0).
    constant_r2 = 1.0 if ss_res == 0.0 else 0.0
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0.0 else constant_r2
    return {
        "rmse": float(np.sqrt(ss_res / y_true.shape[0])),
        "mae": float(np.mean(np.abs(error))),
        "r2": r2,
    }


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``accuracy`` and macro-averaged ``f1`` over the labels present in either array.

    Labels are compared as given (the engine passes formatted strings). Equals scikit-learn's
    ``accuracy_score`` and ``f1_score(average="macro")``.
    """
    labels, inverse = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    n = y_true.shape[0]
    true_codes, pred_codes = inverse[:n], inverse[n:]
    k = labels.shape[0]
    hits = true_codes == pred_codes
    tp = np.bincount(true_codes[hits], minlength=k)
    true_count = np.bincount(true_codes, minlength=k)
    pred_count = np.bincount(pred_codes, minlength=k)
    denominator = true_count + pred_count
    f1 = np.where(denominator > 0, 2.0 * tp / np.maximum(denominator, 1), 0.0)
    return {"accuracy": float(np.mean(hits)), "f1": float(np.mean(f1))}


def degraded_metrics(
    reference: dict[str, float], current: dict[str, float], tolerance: float
) -> tuple[str, ...]:
    """Metrics that got worse by more than ``tolerance`` relative to the reference value."""
    worse = []
    for name, ref_value in reference.items():
        cur_value = current.get(name)
        if cur_value is None:
            continue
        change = ref_value - cur_value if name in HIGHER_IS_BETTER else cur_value - ref_value
        scale = abs(ref_value) if ref_value != 0.0 else 1.0
        if change / scale > tolerance:
            worse.append(name)
    return tuple(worse)
