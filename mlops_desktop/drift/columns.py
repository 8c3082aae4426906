"""Column typing and coercion: what kind a column is, and its values as numbers, labels or times.

Kinds are inferred from the reference data (a per-feature ``kind`` in the config wins):

- booleans, pandas ``category`` columns and strings with few distinct values are categorical;
- numbers (or strings of which at least ``parse_ratio`` parse as numbers) are numeric, except
  whole numbers with at most ``categorical_max_unique`` distinct values and two-valued flags
  (however encoded, e.g. a scaled 0/1), which are categorical;
- datetimes (or ISO-8601-looking strings) are datetime;
- strings with more than ``text_min_unique`` distinct values making up more than
  ``text_unique_ratio`` of the non-null values, and nested values (lists, dicts), are text.

Values of the wrong type (non-numeric strings in a numeric column, unparsable datetimes, ±inf)
are *type errors*: counted, and left out of the distribution metrics like nulls.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from numbers import Number

import numpy as np
import pandas as pd

from mlops_desktop.drift.config import TypingConfig
from mlops_desktop.drift.kinds import ColumnKind

_SAMPLE_SIZE = 1000
_ISO_DATE = re.compile(
    r"^\s*\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*$"
)


@dataclass(frozen=True)
class NumericValues:
    """A column as float64 (NaN where the value is null or not a number)."""

    values: np.ndarray
    n_null: int
    n_type_error: int


@dataclass(frozen=True)
class CategoricalValues:
    """A column as category codes into ``labels`` (-1 where null or a type error)."""

    codes: np.ndarray
    labels: list[str]
    n_null: int
    n_type_error: int


@dataclass(frozen=True)
class DatetimeValues:
    """A column as UTC datetimes (NaT where null or unparsable)."""

    values: pd.Series
    n_null: int
    n_type_error: int


def physical_type(series: pd.Series, parse_ratio: float = 0.9) -> str:
    """What the stored values are: ``number``, ``bool``, ``datetime``, ``string``, ``other`` or
    ``empty`` (all null). Strings that mostly parse as numbers or ISO dates count as those."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.CategoricalDtype):
        if series.notna().sum() == 0:
            return "empty"
        return physical_type(pd.Series(dtype.categories), parse_ratio)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime" if series.notna().any() else "empty"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number" if series.notna().any() else "empty"
    sample = _non_null_sample(series)
    if sample.empty:
        return "empty"
    values = sample.tolist()
    if any(isinstance(v, (dict, list, tuple, set)) for v in values):
        return "other"
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return "bool"
    if all(isinstance(v, (_dt.datetime, _dt.date, np.datetime64)) for v in values):
        return "datetime"
    if all(isinstance(v, Number) and not isinstance(v, bool) for v in values):
        return "number"
    numbers = pd.to_numeric(sample, errors="coerce")
    if numbers.notna().mean() >= parse_ratio:
        return "number"
    as_text = sample.astype(str)
    if as_text.str.match(_ISO_DATE).mean() >= parse_ratio:
        return "datetime"
    return "string"


def _non_null_sample(series: pd.Series) -> pd.Series:
    non_null = series.dropna()
    if len(non_null) <= _SAMPLE_SIZE:
        return non_null
    step = len(non_null) // _SAMPLE_SIZE
    return non_null.iloc[::step][:_SAMPLE_SIZE]


def infer_kind(series: pd.Series, config: TypingConfig) -> ColumnKind | None:
    """The kind of a (reference) column; None when it holds no non-null value."""
    physical = physical_type(series, config.parse_ratio)
    if physical == "empty":
        return None
    if physical == "bool" or isinstance(series.dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL
    if physical == "datetime":
        return ColumnKind.DATETIME
    if physical == "other":
        return ColumnKind.TEXT
    if physical == "number":
        numbers = numeric_values(series).values
        finite = numbers[np.isfinite(numbers)]
        if finite.size == 0:
            return None
        return ColumnKind.CATEGORICAL if _few_whole_numbers(finite, config) else ColumnKind.NUMERIC
    n_unique = int(series.nunique(dropna=True))
    n_values = int(series.notna().sum())
    if n_unique > config.text_min_unique and n_unique > config.text_unique_ratio * n_values:
        return ColumnKind.TEXT
    return ColumnKind.CATEGORICAL


def _few_whole_numbers(finite: np.ndarray, config: TypingConfig) -> bool:
    if finite.size >= 20 and pd.unique(finite[:1000]).size <= 2 and pd.unique(finite).size <= 2:
        return True  # a flag, however it is encoded (0/1, or ±0.05 after scaling)
    limit = config.categorical_max_unique
    head = finite[: 20 * max(limit, 1) + 1]
    if not np.all(np.floor(head) == head) or pd.unique(head).size > limit:
        return False
    if not np.all(np.floor(finite) == finite):
        return False
    return pd.unique(finite).size <= limit


def numeric_values(series: pd.Series) -> NumericValues:
    """The column as float64, NaN for nulls and for values that are not numbers.

    A float64 numpy column is returned without a copy (callers must not modify it).
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        values = series.to_numpy()
        n_null = int(np.count_nonzero(np.isnan(values)))
        return NumericValues(values, n_null, 0)
    n_null = int(series.isna().sum())
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, np.dtype):
        values = series.astype("float64").to_numpy(na_value=np.nan)
        return NumericValues(values, n_null, 0)
    if pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return NumericValues(values, n_null, 0)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(series, utc=True)
        values = stamps.astype("int64").to_numpy(dtype=np.float64) / 1e9
        values[stamps.isna().to_numpy()] = np.nan
        return NumericValues(values, n_null, 0)
    source = series.astype(object) if isinstance(dtype, pd.CategoricalDtype) else series
    parsed = pd.to_numeric(source, errors="coerce")
    values = np.asarray(parsed.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    n_missing = int(np.count_nonzero(np.isnan(values)))
    return NumericValues(values, n_null, n_missing - n_null)


def categorical_values(series: pd.Series, *, numeric_reference: bool) -> CategoricalValues:
    """The column as codes into string labels.

    With ``numeric_reference`` (the reference column holds numbers) values that are not numbers
    are type errors; numbers are labelled alike whatever their dtype (``1``, ``1.0`` and ``"1"``
    are the label ``"1"``).
    """
    n_null = int(series.isna().sum())
    n_type_error = 0
    source: pd.Series | np.ndarray = series
    if numeric_reference and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = numeric_values(series)
        source = numbers.values
        n_type_error = numbers.n_type_error
    codes, uniques = pd.factorize(source, use_na_sentinel=True)
    labels: list[str] = []
    index: dict[str, int] = {}
    remap = np.empty(len(uniques) + 1, dtype=np.int64)
    remap[-1] = -1
    for i, value in enumerate(uniques):
        label = format_label(value)
        if label not in index:
            index[label] = len(labels)
            labels.append(label)
        remap[i] = index[label]
    codes = remap[np.asarray(codes, dtype=np.int64)]
    return CategoricalValues(codes, labels, n_null, n_type_error)


def datetime_values(series: pd.Series) -> DatetimeValues:
    """The column as UTC timestamps; unparsable non-null values are type errors."""
    n_null = int(series.isna().sum())
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.to_datetime(series, utc=True)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        stamps = pd.to_datetime(series, unit="s", utc=True, errors="coerce")
    else:
        stamps = pd.to_datetime(series, errors="coerce", utc=True, format="ISO8601")
    n_type_error = int(stamps.isna().sum()) - n_null
    return DatetimeValues(stamps, n_null, max(n_type_error, 0))


def format_label(value: object) -> str:
    """A category label: whole floats without ``.0``, booleans as ``True``/``False``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)
