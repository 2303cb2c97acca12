"""The durable_rules side of the second engine: asserts records as facts and collects the matches.

This module imports only the standard library and durable_rules, so the child process that runs it
starts quickly and holds no pandas or Arrow threads.  ``run`` is the whole job: register one
ruleset, assert the records batch by batch, drain the engine's action queue by hand, check the
bookkeeping, and release the engine's state before the next batch.

Precautions, each for a known behaviour of durable_rules 2.0.28:

* the host starts no timer threads (its background dispatch races with state deletion);
* every fact's id is its position in the batch (0..n-1): durable identifies facts by a 32-bit
  hash of the id, and distinct small integers never collide; the record's row travels in ``_row``;
* a batch in which a record matches no rule raises before dispatch, so the action queue is drained
  explicitly, and an extra rule matching every record (``_seen``) proves each record was evaluated;
* ``$or`` may fire twice for one record: matches are kept as a set of (rule, row) pairs;
* action exceptions are swallowed by durable into the session state, which is checked after each
  batch;
* ruleset definitions are deep-copied (durable deletes ``run`` from the dict it is given).
"""

from __future__ import annotations

import copy
import json
import os

SEEN = "_seen"            # the bookkeeping rule: fires once for every record asserted
CRASH_HOOK = "AUDITOR_DURABLE_TEST_CRASH"   # test hook: "abort", "hang" or "raise" in the child
_counter = [0]


class BookkeepingError(RuntimeError):
    """The engine lost or duplicated records: its answer cannot be trusted."""


def _host():
    from durable import engine

    class QuietHost(engine.Host):
        """A host without the two background timer threads."""

        def __init__(self, actions):
            self._actions = actions
            super().__init__()

        def _run(self):  # no timer threads: actions run only when drained below
            pass

        def get_action(self, name):
            return self._actions[name]

    return engine, QuietHost


class Session:
    """One ruleset in durable_rules, fed batch by batch; ``close`` releases it."""

    def __init__(self, definitions: dict, kind: str):
        import durable_rules_engine as native

        engine, QuietHost = _host()
        self.native, self.engine, self.kind = native, engine, kind
        self.hits: list[tuple[str, int]] = []
        self.names = list(definitions)
        actions = {name: self._recorder(name) for name in [*self.names, SEEN]}
        ruleset = {name: dict(copy.deepcopy(body), run=name) for name, body in definitions.items()}
        ruleset[SEEN] = {"all": [{"m": {"_k": kind}}], "run": SEEN}
        _counter[0] += 1
        name = f"audit_{os.getpid()}_{_counter[0]}"
        host = QuietHost(actions)
        host.set_rulesets({name: ruleset})
        self.rs = host.get_ruleset(name)

    def _recorder(self, name):
        def action(c):
            self.hits.append((name, c.m["_row"]))
        return action

    def assert_batch(self, batch: list[dict]) -> dict:
        """Matches of one batch: {"matches": {rule: rows}, "seen": n, "duplicates": n}."""
        self.hits.clear()
        payload = [dict(f, id=i, _k=self.kind) for i, f in enumerate(batch)]
        try:
            self.rs.assert_facts(payload)
        except self.engine.MessageNotHandledException:
            pass
        except self.engine.MessageObservedException:
            raise BookkeepingError("a record was taken for one already asserted (fact id collision)") from None
        _drain(self.native, self.rs)
        state = self.rs.get_state(None)
        if state.get("exception"):
            raise BookkeepingError(f"an action failed inside durable_rules: {state['exception']}")
        rows = {f["_row"] for f in batch}
        seen = [row for name, row in self.hits if name == SEEN]
        if len(seen) != len(batch) or set(seen) != rows:
            raise BookkeepingError(f"{len(batch)} records asserted but {len(set(seen) & rows)} accounted for")
        matches: dict[str, set[int]] = {name: set() for name in self.names}
        duplicates = 0
        for name, row in self.hits:
            if name == SEEN:
                continue
            if row not in rows:
                raise BookkeepingError(f"rule {name} matched row {row}, which is not in the batch")
            if row in matches[name]:
                duplicates += 1
            matches[name].add(row)
        self.rs.delete_state(None)      # release every fact of the batch: memory stays flat
        return {"matches": {k: sorted(v) for k, v in matches.items()}, "seen": len(seen),
                "duplicates": duplicates}

    def close(self) -> None:
        self.native.delete_ruleset(self.rs._handle)


def _crash_hook() -> None:
    hook = os.environ.get(CRASH_HOOK, "")
    if hook == "abort":
        os.abort()
    if hook == "hang":
        while True:
            pass
    if hook == "raise":
        raise RuntimeError("deliberate failure for testing")


def run(definitions: dict, kind: str, facts: list[dict], batch_size: int = 1000) -> dict:
    """Evaluate ``facts`` (dicts with ``_row``, without ``id``) in this process, batch by batch.

    Returns {"matches": {rule name: sorted rows}, "asserted": n, "seen": n, "duplicates": n}.
    """
    _crash_hook()
    session = Session(definitions, kind)
    matches: dict[str, list[int]] = {name: [] for name in definitions}
    seen = duplicates = 0
    for start in range(0, len(facts), batch_size):
        result = session.assert_batch(facts[start:start + batch_size])
        for name, rows in result["matches"].items():
            matches[name].extend(rows)
        seen += result["seen"]
        duplicates += result["duplicates"]
    session.close()
    return {"matches": {k: sorted(v) for k, v in matches.items()}, "asserted": len(facts), "seen": seen,
            "duplicates": duplicates}


def _drain(native, rs) -> None:
    """Run every queued action now (durable would leave them to its timer threads)."""
    errors = []

    def done(error, _state):
        if error:
            errors.append(error)

    while True:
        result = native.start_action(rs._handle)
        if not result:
            break
        rs._flush_actions(json.loads(result[0]), {"message": json.loads(result[1])}, result[2], done)
        if errors:
            raise BookkeepingError(f"an action failed inside durable_rules: {errors[0]}")


def _peak_kb() -> int:
    """This process's peak resident memory in kB (0 where the system does not say)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def child_main(requests, conn, definitions: dict, kind: str) -> None:
    """Entry point of the child process.

    Reads batches of facts from the ``requests`` connection until ``None``; answers each with ("ok", batch result),
    and finally ("done", peak memory in kB); any failure is answered with ("error", one line).
    """
    try:
        _crash_hook()
        session = Session(definitions, kind)
        while True:
            try:
                batch = requests.recv()
            except EOFError:        # the parent is gone: nobody to answer
                return
            if batch is None:
                break
            conn.send(("ok", session.assert_batch(batch)))
        session.close()
        conn.send(("done", _peak_kb()))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", f"{exc.__class__.__name__}: {exc}"))
    finally:
        conn.close()
