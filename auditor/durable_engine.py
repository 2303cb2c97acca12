"""durable_rules as a second, independent rule engine over the same rule files.

``durable_matcher(rules)`` returns a matcher for ``auditor.evaluate.evaluate``: for each input kind
it compiles every rule's condition to a durable_rules definition (``auditor.durable_compile``),
asserts each record with its derived fields as a fact, and turns the matches back into the
boolean masks the findings are built from, so both engines' findings compare id by id.

durable_rules is a C extension whose failures can take the process down or loop forever, so it
runs in a separate child process (started fresh, "spawn") with a time limit.  A crash, a hang or
an error in the child, or any record the engine failed to account for, becomes one
``EngineError`` line naming the engine and the rule set; no partial result is used.

Rules whose conditions durable_rules cannot express exactly (see ``durable_compile``) are not
silently dropped: the matcher lists them in ``not_expressible`` (rule id -> reason), evaluates them
with the default engine so an audit stays complete, and the cross-check names them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import numpy as np
import pandas as pd

from . import rulelang as rl
from .columns import KIND_LABELS
from .durable_child import child_main
from .durable_compile import PREFIX, NotExpressible, compile_condition
from .errors import EngineError
from .evaluate import pandas_matcher
from .rules import Rule

TIMEOUT_ENV = "AUDITOR_DURABLE_TIMEOUT"     # seconds; overrides the time limit scaled by row count
BATCH_SIZE = 1000


def time_limit(rows: int, rules: int) -> float:
    """Seconds the child may take: generous for durable's ~7 us per fact and ~25 us per match."""
    override = os.environ.get(TIMEOUT_ENV)
    if override:
        return float(override)
    return 60.0 + rows * (100e-6 + 60e-6 * rules)


def rule_set_name(rules: list[Rule]) -> str:
    """"the shipped rule set", or the rule set with the user's rules files named."""
    files = {r.changed_by for r in rules if r.changed_by} | {r.origin for r in rules if r.origin != f"{r.id}.yaml"}
    return "the shipped rule set" if not files else "the rule set with " + ", ".join(sorted(files))


def encode(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    """The records as durable facts: ``v_<field>`` values, blanks omitted, ``_row`` = position."""
    columns = []
    for name in fields:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            secs = s.to_numpy(dtype="datetime64[s]").astype("int64")
            values = pd.Series(secs, index=s.index, dtype="Int64").mask(s.isna())
            col = values.astype(object).where(values.notna(), None).tolist()
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s):
            col = s.astype(object).where(s.notna(), None).tolist()
        else:
            col = s.astype(object).where(s.notna(), None).tolist()
        columns.append((PREFIX + name, col))
    keys = [k for k, _ in columns]
    facts = []
    for row, values in enumerate(zip(*(c for _, c in columns)) if columns else ((),) * len(frame)):
        fact = {k: v for k, v in zip(keys, values) if v is not None}
        fact["_row"] = row
        facts.append(fact)
    return facts


def run_child(definitions: dict, kind: str, facts: list[dict], *, what: str, timeout: float,
              batch_size: int = BATCH_SIZE) -> dict:
    """Run ``durable_child.run`` in a fresh process; raise EngineError on crash, hang or error."""
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child_main, args=(sender, definitions, kind, facts, batch_size), daemon=True)
    proc.start()
    sender.close()
    deadline = time.monotonic() + timeout
    message = None
    try:
        while True:
            if receiver.poll(0.05):
                try:
                    message = receiver.recv()
                except EOFError:
                    message = None
                break
            if not proc.is_alive():
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.join(5)
                raise EngineError(f"durable_rules engine took longer than {timeout:.0f} s while evaluating {what}; "
                                  "no report written")
        proc.join(10)
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    if message is None:
        code = proc.exitcode
        if code is not None and code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit code {code}"
        raise EngineError(f"durable_rules engine crashed ({how}) while evaluating {what}; no report written")
    status, payload = message
    if status != "ok":
        raise EngineError(f"durable_rules engine failed while evaluating {what}: {payload}; no report written")
    return payload


class DurableMatcher:
    """A ``Matcher`` that evaluates rules with durable_rules in a guarded child process."""

    def __init__(self, rules: list[Rule], *, timeout: float | None = None, batch_size: int = BATCH_SIZE):
        self.rule_set = rule_set_name(rules)
        self.timeout = timeout
        self.batch_size = batch_size
        self.not_expressible: dict[str, str] = {}   # rule id -> reason
        self.stats: dict[str, dict] = {}             # kind -> counts and seconds

    def __call__(self, rules: list[Rule], kind: str, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        named = [(r.id, r.conditions[kind]) for r in rules]
        masks, refused = self.match(named, kind, frame)
        if refused:
            self.not_expressible.update(refused)
            masks.update(pandas_matcher([r for r in rules if r.id in refused], kind, frame))
        return masks

    def match(self, named: list[tuple[str, object]], kind: str, frame: pd.DataFrame):
        """({rule id: mask} for the expressible conditions, {rule id: reason} for the others)."""
        definitions, names, refused, fields = {}, {}, {}, set()
        for i, (rule_id, node) in enumerate(named):
            try:
                definitions[f"r{i}"] = compile_condition(rule_id, node, kind)
            except NotExpressible as exc:
                refused[rule_id] = exc.reason
                continue
            names[f"r{i}"] = rule_id
            fields |= rl.field_names(node)
        n = len(frame)
        masks = {rule_id: np.zeros(n, dtype=bool) for rule_id in names.values()}
        if not definitions or n == 0:
            return masks, refused
        started = time.perf_counter()
        facts = encode(frame, sorted(fields))
        encoded = time.perf_counter()
        what = f"{self.rule_set} over the {KIND_LABELS.get(kind, kind)}"
        limit = self.timeout if self.timeout is not None else time_limit(n, len(definitions))
        result = run_child(definitions, kind, facts, what=what, timeout=limit, batch_size=self.batch_size)
        if result["asserted"] != n or result["seen"] != n:
            raise EngineError(f"durable_rules engine accounted for {result['seen']} of {n} records while "
                              f"evaluating {what}; no report written")
        for name, rows in result["matches"].items():
            masks[names[name]][np.asarray(rows, dtype=np.int64)] = True
        self.stats[kind] = {"records": n, "rules": len(definitions), "encode_s": encoded - started,
                            "engine_s": time.perf_counter() - encoded, "duplicates": result["duplicates"]}
        return masks, refused


def durable_matcher(rules: list[Rule], **options) -> DurableMatcher:
    """The matcher ``auditor.api.audit(engine="durable")`` uses."""
    return DurableMatcher(rules, **options)


__all__ = ["durable_matcher", "DurableMatcher", "encode", "run_child", "time_limit"]
