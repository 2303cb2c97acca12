"""durable_rules as a second, independent rule engine over the same rule files.

``durable_matcher(rules)`` returns a matcher for ``auditor.engines.evaluate.evaluate``: for each input kind
it compiles every rule's condition to a durable_rules definition (``auditor.engines.durable.compile``),
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
import queue
import signal
import threading
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd

from auditor.rulebook import language as rl
from auditor.columns import KIND_LABELS
from auditor.engines.durable.child import child_main
from auditor.engines.durable.compile import PREFIX, NotExpressible, compile_condition
from auditor.errors import EngineError
from auditor.engines.pandas_engine import pandas_matcher
from auditor.rulebook.catalogue import Rule

TIMEOUT_ENV = "AUDITOR_DURABLE_TIMEOUT"     # seconds; overrides the time limit scaled by row count
BATCH_SIZE = 1000
_STOP = object()           # tells the feeder thread to end


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


def encode(frame: pd.DataFrame, fields: list[str], first_row: int = 0) -> list[dict]:
    """The records as durable facts: ``v_<field>`` values, blanks omitted, ``_row`` = position
    (counted from ``first_row``)."""
    columns = []
    for name in fields:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            secs = s.to_numpy(dtype="datetime64[s]").astype("int64")
            values = pd.Series(secs, index=s.index, dtype="Int64").mask(s.isna())
            col = values.astype(object).where(values.notna(), None).tolist()
        else:
            col = s.astype(object).where(s.notna(), None).tolist()
        columns.append((PREFIX + name, col))
    keys = [k for k, _ in columns]
    facts = []
    records = zip(*(c for _, c in columns)) if columns else ((),) * len(frame)
    for row, record in enumerate(records, first_row):
        fact = {k: v for k, v in zip(keys, record) if v is not None}
        fact["_row"] = row
        facts.append(fact)
    return facts


class _Child:
    """The child process running ``durable_child.child_main``, watched for crash, hang and error.

    Batches go to the child over a pipe, written by a sender thread from a two-slot queue, so the
    parent never blocks on a child that stopped reading.  No ``multiprocessing.Queue``: its named
    semaphores are left to the resource tracker when the child dies, and the tracker then prints
    warnings after the one-line error.
    """

    def __init__(self, definitions: dict, kind: str, what: str, timeout: float):
        ctx = mp.get_context("spawn")
        self.requests: queue.Queue = queue.Queue(maxsize=2)
        receiver, self.outgoing = ctx.Pipe(duplex=False)
        self.replies, sender = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=child_main, args=(receiver, sender, definitions, kind), daemon=True)
        self.what, self.timeout = what, timeout
        self.deadline = time.monotonic() + timeout
        self.stopped = False
        self.proc.start()
        sender.close()
        receiver.close()
        self.feeder = threading.Thread(target=self._feed, name="durable-feeder", daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        """Write queued batches to the child until the stop mark or a closed pipe."""
        while True:
            batch = self.requests.get()
            if batch is _STOP:
                return
            try:
                self.outgoing.send(batch)
            except OSError:         # the child is gone; the watcher reports how
                return

    def send(self, batch) -> None:
        while True:
            try:
                self.requests.put(batch, timeout=0.05)
                return
            except queue.Full:
                self._check()

    def receive(self, expected: str):
        while not self.replies.poll(0.05):
            self._check()
        try:
            status, payload = self.replies.recv()
        except EOFError:
            self._crashed()
        if status == "error":
            self.stop()
            raise EngineError(f"durable_rules engine failed while evaluating {self.what}: {payload}; "
                              "no report written")
        if status != expected:
            self.stop()
            raise EngineError(f"durable_rules engine answered out of turn while evaluating {self.what}; "
                              "no report written")
        return payload

    def _check(self) -> None:
        if not self.proc.is_alive() and not self.replies.poll():
            self._crashed()
        if time.monotonic() > self.deadline:
            self.stop()
            raise EngineError(f"durable_rules engine took longer than {self.timeout:.0f} s while evaluating "
                              f"{self.what}; no report written")

    def _crashed(self):
        self.proc.join(5)
        code = self.proc.exitcode
        self.stop()
        if code is not None and code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit code {code}"
        raise EngineError(f"durable_rules engine crashed ({how}) while evaluating {self.what}; no report written")

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        # The child's end is closed now, so a blocked write fails and the feeder ends.
        while True:
            try:
                self.requests.put_nowait(_STOP)
                break
            except queue.Full:
                try:
                    self.requests.get_nowait()
                except queue.Empty:
                    pass
        self.feeder.join(5)
        if not self.feeder.is_alive():
            self.outgoing.close()
        self.replies.close()


def run_child(definitions: dict, kind: str, batches: Iterator[list[dict]], *, what: str, timeout: float) -> dict:
    """Evaluate the batches of facts in a fresh process; raise EngineError on crash, hang or error.

    At most two batches are in flight, so neither process holds more than a few batches of facts.
    Returns {"matches": {rule name: rows}, "asserted": n, "seen": n, "duplicates": n, "peak_kb": n}.
    """
    child = _Child(definitions, kind, what, timeout)
    matches: dict[str, list[int]] = {name: [] for name in definitions}
    asserted = seen = duplicates = 0
    in_flight = 0

    def collect():
        nonlocal seen, duplicates
        result = child.receive("ok")
        seen += result["seen"]
        duplicates += result["duplicates"]
        for name, rows in result["matches"].items():
            matches[name].extend(rows)

    try:
        for batch in batches:           # the next batch is encoded while the child works on this one
            child.send(batch)
            asserted += len(batch)
            in_flight += 1
            if in_flight == 2:
                collect()
                in_flight -= 1
        if in_flight:
            collect()
        child.send(None)
        peak = child.receive("done")
        child.proc.join(10)
    finally:
        child.stop()
    return {"matches": matches, "asserted": asserted, "seen": seen, "duplicates": duplicates, "peak_kb": peak}


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
        what = f"{self.rule_set} over the {KIND_LABELS.get(kind, kind)}"
        limit = self.timeout if self.timeout is not None else time_limit(n, len(definitions))
        columns = sorted(fields)
        encode_s = [0.0]

        def batches():
            for start in range(0, n, self.batch_size):
                t = time.perf_counter()
                facts = encode(frame.iloc[start:start + self.batch_size], columns, first_row=start)
                encode_s[0] += time.perf_counter() - t
                yield facts

        result = run_child(definitions, kind, batches(), what=what, timeout=limit)
        if result["asserted"] != n or result["seen"] != n:
            raise EngineError(f"durable_rules engine accounted for {result['seen']} of {n} records while "
                              f"evaluating {what}; no report written")
        for name, rows in result["matches"].items():
            masks[names[name]][np.asarray(rows, dtype=np.int64)] = True
        self.stats[kind] = {"records": n, "rules": len(definitions), "encode_s": encode_s[0],
                            "engine_s": time.perf_counter() - started - encode_s[0],
                            "duplicates": result["duplicates"], "child_peak_mb": result["peak_kb"] / 1024}
        return masks, refused


def durable_matcher(rules: list[Rule], **options) -> DurableMatcher:
    """The matcher ``auditor.api.audit(engine="durable")`` uses."""
    return DurableMatcher(rules, **options)


__all__ = ["durable_matcher", "DurableMatcher", "encode", "run_child", "time_limit"]
