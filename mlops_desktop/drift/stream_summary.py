"""Exact, mergeable one-pass summaries of a streamed column (the first pass of streaming drift).

Per column: rows, nulls, ±inf (type errors, as the in-memory engine counts them), the finite
values' min, max and :class:`~mlops_desktop.drift.sketch.Moments`, and category frequencies —
for text-like columns always, for numeric columns while they still look categorical (whole
numbers with few distinct values, or a two-valued flag: the in-memory typing rules).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_desktop.drift.columns import format_label
from mlops_desktop.drift.sketch import Moments

#: A text-like column with more distinct values than this is treated as free text when
#: streamed: its frequency table would not be bounded.
MAX_TRACKED_CATEGORIES = 100_000
#: Distinct values counted in a numeric column (enough for a categorical reference's current
#: side to show new values); continuous columns pass it in their first batch and stop counting.
MAX_TRACKED_NUMBERS = 1_000


def arrow_family(arrow_type: Any) -> str:
    """``number``, ``bool``, ``datetime``, ``string``, ``category`` or ``other`` for a type."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return "category"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return "number"
    if pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "datetime"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return "other"


def as_float64(array: Any) -> np.ndarray:
    """A numeric Arrow array as float64, NaN where null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array.type != pa.float64():
        array = pc.cast(array, pa.float64())
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


class ColumnSummary:
    """Everything the first pass learns about one column of one table."""

    def __init__(self, family: str, categorical_max_unique: int) -> None:
        self.family = family
        self.n_rows = 0
        self.n_null = 0
        self.n_inf = 0
        self.minimum = np.inf
        self.maximum = -np.inf
        self.moments = Moments()
        self.all_whole = True
        #: label counts (text-like) or value counts (numeric, while it may be categorical);
        #: None once a numeric column has too many distinct values to be categorical.
        self.counts: dict[Any, int] | None = {}
        self.too_many = False

    def add_missing(self, rows: int) -> None:
        """A file without this column: ``rows`` nulls."""
        self.n_rows += rows
        self.n_null += rows

    def add(self, array: Any) -> None:
        """Take in one batch (a pyarrow Array)."""
        self.n_rows += len(array)
        if self.family == "number":
            self._add_numbers(as_float64(array))
        else:
            self.n_null += array.null_count
            if self.family in ("string", "category", "bool"):
                self._add_labels(array)

    def add_numbers(self, values: np.ndarray) -> None:
        """Take in one batch of a numeric column already as float64 (NaN where null)."""
        self.n_rows += values.shape[0]
        self._add_numbers(values)

    def _add_numbers(self, values: np.ndarray) -> None:
        is_finite = np.isfinite(values)
        n_bad = values.shape[0] - int(np.count_nonzero(is_finite))
        finite = values
        if n_bad:  # only then pay for a copy and the NaN count
            n_nan = int(np.count_nonzero(np.isnan(values)))
            self.n_null += n_nan
            self.n_inf += n_bad - n_nan
            finite = values[is_finite]
        if finite.shape[0] == 0:
            return
        self.minimum = min(self.minimum, float(finite.min()))
        self.maximum = max(self.maximum, float(finite.max()))
        self.moments.add(finite)
        if self.counts is None:
            return
        if self.all_whole and not bool(np.all(np.floor(finite) == finite)):
            self.all_whole = False
        uniques, counts = np.unique(finite, return_counts=True)
        if uniques.shape[0] > MAX_TRACKED_NUMBERS:
            self.counts = None
            return
        for value, count in zip(uniques.tolist(), counts.tolist(), strict=True):
            self.counts[value] = self.counts.get(value, 0) + count
        if len(self.counts) > MAX_TRACKED_NUMBERS:
            self.counts = None

    def _add_labels(self, array: Any) -> None:
        import pyarrow.compute as pc

        if self.counts is None:
            return
        if self.family == "category":
            array = array.dictionary_decode()
        tallies = pc.value_counts(array.drop_null())
        values = tallies.field("values").to_pylist()
        for value, count in zip(values, tallies.field("counts").to_pylist(), strict=True):
            label = format_label(value)
            self.counts[label] = self.counts.get(label, 0) + count
        if len(self.counts) > MAX_TRACKED_CATEGORIES:
            self.counts, self.too_many = None, True

    @property
    def n_finite(self) -> int:
        """Finite numeric values (numeric columns)."""
        return self.moments.n

    @property
    def n_valid(self) -> int:
        """Non-null values."""
        return self.n_rows - self.n_null

    def physical_type(self) -> str:
        """As :func:`mlops_desktop.drift.columns.physical_type` names it."""
        if self.n_valid == 0:
            return "empty"
        return {"category": "string"}.get(self.family, self.family)

    def label_counts(self) -> dict[str, int]:
        """Category labels and their counts (numeric values labelled as the engine does)."""
        if self.counts is None:
            return {}
        if self.family != "number":
            return dict(self.counts)
        labels: dict[str, int] = {}
        for value, count in self.counts.items():
            label = format_label(float(value))
            labels[label] = labels.get(label, 0) + count
        return labels

    def looks_categorical(self, categorical_max_unique: int) -> bool:
        """A numeric column the in-memory typing would call categorical."""
        if self.counts is None or self.n_finite == 0:
            return False
        if self.n_finite >= 20 and len(self.counts) <= 2:
            return True  # a flag, however encoded
        return self.all_whole and len(self.counts) <= categorical_max_unique
