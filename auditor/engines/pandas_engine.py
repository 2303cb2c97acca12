"""The pandas engine: a rule's condition (``auditor.rulebook.language``) evaluated over whole columns
of a DataFrame at once, beside the durable_rules engine (``auditor.engines.durable``) that checks it."""

from __future__ import annotations

import datetime as dt
import operator

import numpy as np
import pandas as pd
import pyarrow as pa

from auditor.rulebook.catalogue import Rule
from auditor.rulebook.language import And, In, IsNull, IsTrue, Matches, Not, Or
from auditor.rulebook.patterns import full_matches


def pandas_matcher(rules: list[Rule], kind: str, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The default engine: each condition compiled to vectorised pandas operations."""
    return {rule.id: evaluate_condition(rule.conditions[kind], frame) for rule in rules}


def evaluate_condition(node, frame: pd.DataFrame) -> np.ndarray:
    """Boolean numpy array: where the condition holds for each row of ``frame``."""
    if isinstance(node, And):
        out = evaluate_condition(node.items[0], frame)
        for item in node.items[1:]:
            out = out & evaluate_condition(item, frame)
        return out
    if isinstance(node, Or):
        out = evaluate_condition(node.items[0], frame)
        for item in node.items[1:]:
            out = out | evaluate_condition(item, frame)
        return out
    if isinstance(node, Not):
        return ~evaluate_condition(node.item, frame)
    s = frame[node.field]
    if isinstance(node, IsNull):
        res = s.isna()
        return (~res if node.negated else res).to_numpy(dtype=bool)
    if isinstance(node, IsTrue):
        return _filled(s == True)  # noqa: E712 (nullable boolean)
    if isinstance(node, Matches):
        arr = pa.array(s.astype("string[pyarrow]").array)
        return full_matches(arr, node.pattern)
    if isinstance(node, In):
        inside = s.isin([_scalar(v) for v in node.values]).to_numpy(dtype=bool)
        return (~inside if node.negated else inside) & s.notna().to_numpy(dtype=bool)
    res = _COMPARE[node.op](s, _scalar(node.value))   # the one comparison the condition makes
    return _filled(res) & s.notna().to_numpy(dtype=bool)


_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


def _scalar(v):
    if isinstance(v, dt.date):
        return pd.Timestamp(v)
    return v


def _filled(res) -> np.ndarray:
    if isinstance(res, pd.Series):
        if res.dtype == bool:
            return res.to_numpy()
        return res.fillna(False).to_numpy(dtype=bool)
    return np.asarray(res, dtype=bool)
