"""Who uses each PACER username: the uses of a username in court accounts and rosters, the people
behind them (told apart by ``auditor.derive.identity``, see ``auditor.derive.people``), and how many
people e-file or research with it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER, STRING
from auditor.derive.base import USES, Derived, Family, Run, as_bool, ints
from auditor.derive.people import people
from auditor.field_types import BOOL, INT, TEXT

FIELDS = (
    Derived("is_efiling_use", BOOL, USES,
            "This record uses its PACER username to e-file: an active CM/ECF account with a linked username, or a "
            "roster person still at the firm whose pacer_use is efiling or both.", ("pacer_username",)),
    Derived("is_research_use", BOOL, USES,
            "A roster person still at the firm who uses the PACER username for research only.", ("pacer_username",)),
    Derived("pacer_efiling_people", INT, USES,
            "Distinct people who e-file with this PACER username, across every input of the run, told apart as "
            "docs/identity.md explains; records the evidence cannot tell apart count as one person.",
            ("pacer_username",)),
    Derived("pacer_efiling_people_possibly", INT, USES,
            "As pacer_efiling_people, counting records the evidence cannot tell apart (the same name with "
            "different e-mail addresses, surnames alike only in spelling) as different people.",
            ("pacer_username",)),
    Derived("pacer_people_evidence", TEXT, USES,
            "Why the people using this PACER username were told apart (for evidence): the pairs of records "
            "compared and what decided, or \"the names differ\".", ("pacer_username",)),
    Derived("pacer_research_people", INT, USES,
            "Distinct people who use this PACER username for research only (and do not e-file with it).",
            ("pacer_username",)),
    Derived("pacer_people", INT, USES, "Distinct people using this PACER username in any way.", ("pacer_username",)),
    Derived("pacer_users", TEXT, USES, "The names of the people using this PACER username (for evidence).",
            ("pacer_username",)),
)


def compute(run: Run) -> None:
    run.uses, evidence, column = _uses(run.out, run.keys)
    run.in_uses, run.efiling_people = _sharing(run.out, run.keys, run.uses, evidence, column)


def _uses(out, k) -> tuple[pd.DataFrame, pd.Series, Callable[[str, np.ndarray], pd.Series]]:
    """One row per (record, PACER username) use in court accounts and rosters, with a person id; the
    username, bar id and name as codes.  Also, per username code, the evidence telling its people
    apart; and ``column(name, at)``: an input column at some of the uses (the text of a use is
    fetched only where it is shown)."""
    parts = []   # per kind: its uses' columns, put together column by column (no frame per kind)
    if COURT_ACCOUNTS in out:
        c = out[COURT_ACCOUNTS]
        efile = ((c["account_status"] == "active").fillna(False) & c["_user"].notna()).to_numpy(dtype=bool)
        c["is_efiling_use"] = as_bool(pd.Series(efile, index=c.index))
        c["is_research_use"] = as_bool(pd.Series(False, index=c.index))
        at = np.flatnonzero(efile)
        parts.append({"user": k.user[COURT_ACCOUNTS][at], "bar": k.bar[COURT_ACCOUNTS][at],
                      "name": k.name[COURT_ACCOUNTS][at], "raw": k.raw[COURT_ACCOUNTS][at],
                      "efiling": np.ones(len(at), dtype=bool), "kind": np.zeros(len(at), dtype=np.int64), "row": at})
    if ROSTER in out:
        r = out[ROSTER]
        here = ~r["has_left_firm"].fillna(False) & r["_user"].notna()
        efile = (here & r["pacer_use"].isin(["efiling", "both"]).fillna(False)).to_numpy(dtype=bool)
        research = (here & (r["pacer_use"] == "research").fillna(False)).to_numpy(dtype=bool)
        r["is_efiling_use"] = as_bool(pd.Series(efile, index=r.index))
        r["is_research_use"] = as_bool(pd.Series(research, index=r.index))
        at = np.flatnonzero(efile | research)
        parts.append({"user": k.user[ROSTER][at], "bar": k.bar[ROSTER][at],
                      "name": k.name[ROSTER][at], "raw": k.raw[ROSTER][at],
                      "efiling": efile[at], "kind": np.ones(len(at), dtype=np.int64), "row": at})
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in ("user", "bar", "name", "raw", "pid",
                                                                     "pid_possible")}
                            ).assign(efiling=pd.Series(dtype=bool)), pd.Series(dtype=object), _no_column
    which, row = (np.concatenate([part.pop(col) for part in parts]) for col in ("kind", "row"))
    uses = pd.DataFrame({col: np.concatenate([part[col] for part in parts]) for col in parts[0]}, copy=False)
    frames = [(i, out[kind]) for i, kind in enumerate((COURT_ACCOUNTS, ROSTER)) if kind in out]

    def column(name: str, at: np.ndarray) -> pd.Series:
        """An input column at the uses ``at`` (in order: court accounts come before rosters)."""
        parts = [f[name].array.take(row[at][which[at] == i]) for i, f in frames]
        return pd.Series(pd.concat([pd.Series(p) for p in parts], ignore_index=True), dtype=STRING)

    pacer = out.get(PACER_ACCOUNTS)
    uses["pid"], uses["pid_possible"], evidence = people(
        uses, k.raws, column, pacer, k.user[PACER_ACCOUNTS] if pacer is not None else None)
    return uses, evidence, column


def _no_column(name: str, at: np.ndarray) -> pd.Series:
    return pd.Series(pd.NA, index=pd.RangeIndex(len(at)), dtype=STRING)


def _sharing(out, k, uses: pd.DataFrame, evidence: pd.Series, column) -> tuple[np.ndarray, np.ndarray]:
    """Distinct people per username (all uses, e-filing, research only), on integer codes.

    Returns, per username code, whether any use has it and its number of e-filing people."""
    n_users = len(k.users)
    ucode = uses["user"].to_numpy(dtype=np.int64)
    pcode = uses["pid"].to_numpy(dtype=np.int64)
    n_pids = int(pcode.max()) + 1 if len(pcode) else 0
    efiling = uses["efiling"].to_numpy(dtype=bool)
    # Most uses are of a username one person uses (``people`` gives them the username's code as their
    # person id): those are counted per username with numpy; only the others' (user, person) pairs are
    # hashed.
    # A person e-files with a username when any of their uses of it does.
    own = pcode == ucode
    one = np.bincount(ucode[own], minlength=n_users) > 0
    one_efiles = np.bincount(ucode[own], weights=efiling[own], minlength=n_users) > 0
    pair_code, unique_pairs = pd.factorize(ucode[~own] * (n_pids + 1) + pcode[~own])
    pair_efiles = np.bincount(pair_code, weights=efiling[~own], minlength=len(unique_pairs)) > 0
    pair_user = unique_pairs // (n_pids + 1)
    people = one + np.bincount(pair_user, minlength=n_users)
    efiling_people = (one & one_efiles) + np.bincount(pair_user[pair_efiles], minlength=n_users)
    research_people = (one & ~one_efiles) + np.bincount(pair_user[~pair_efiles], minlength=n_users)  # research only
    # Counted again only for the usernames where the possible people differ from the certain ones.
    pid_possible = uses["pid_possible"].to_numpy(dtype=np.int64)
    unsure = np.unique(ucode[pid_possible != pcode])
    possibly = efiling_people.copy()
    if len(unsure):
        sel = nz.at(np.isin(np.arange(n_users), unsure), ucode, False)
        possibly[unsure] = _efiling_people(ucode[sel], pid_possible[sel], efiling[sel], n_users)[unsure]
    # the people of each shared username, and the records that may be different people on a username
    # that only possibly is (counted apart by pid_possible): the evidence names them all
    maybe = (possibly >= 2) & (people < 2)
    sh = pd.concat([uses[(people >= 2)[ucode]].drop_duplicates(["user", "pid"]),
                    uses[maybe[ucode]].drop_duplicates(["user", "pid_possible"])])
    label = pd.Series(np.where(sh["efiling"].to_numpy(dtype=bool), " (efiling)", " (research)"), index=sh.index)
    at = sh.index.to_numpy(dtype=np.int64)
    order = np.argsort(at, kind="stable")    # ``column`` takes the uses in order
    inverse = np.empty(len(at), dtype=np.int64)
    inverse[order] = np.arange(len(at))
    shown = column("_display", at[order]).take(inverse).set_axis(sh.index)
    names = _listed(sh["user"].to_numpy(dtype=np.int64), nz.arrow(shown.fillna("(no name)") + label))
    where = np.full(n_users, -1, dtype=np.int64)
    where[names.index.to_numpy(dtype=np.int64)] = np.arange(len(names))
    ev_where = np.full(n_users, -1, dtype=np.int64)
    ev_where[evidence.index.to_numpy(dtype=np.int64)] = np.arange(len(evidence))
    # a username of several people whose people no pair of records told apart: the names differ
    plain = np.flatnonzero((people >= 2) & (ev_where < 0))
    ev_where[plain] = len(evidence) + np.arange(len(plain))
    evidence = pd.concat([evidence.astype(STRING), pd.Series("the names differ", index=plain, dtype=STRING)],
                         ignore_index=True)
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        u = k.user[kind]
        for col, counts in (("pacer_efiling_people", efiling_people), ("pacer_research_people", research_people),
                            ("pacer_people", people), ("pacer_efiling_people_possibly", possibly)):
            f[col] = ints(nz.at(counts, u, 0), u < 0, f.index)
        f["pacer_users"] = nz.take_at(names, nz.at(where, u), f.index, STRING)
        f["pacer_people_evidence"] = nz.take_at(evidence, nz.at(ev_where, u), f.index, STRING)
    return people > 0, efiling_people


def _listed(group: np.ndarray, texts: pa.Array, most: int = 8) -> pd.Series:
    """Per group (in order), its texts in order joined by "; ": the first ``most``, then "and N more"."""
    order = pc.sort_indices(pa.table({"g": group, "t": texts}),
                            sort_keys=[("g", "ascending"), ("t", "ascending")]).to_numpy()
    g, t = group[order], texts.take(pa.array(order))
    starts = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]])) if len(g) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.append(starts, len(g)))
    first = (np.arange(len(g)) - np.repeat(starts, sizes)) < most
    bounds = np.concatenate([[0], np.cumsum(np.minimum(sizes, most))]).astype(np.int64)
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(bounds), t.filter(pa.array(first))),
                            pa.scalar("; ", t.type))
    more = sizes > most
    if more.any():
        tail = np.full(len(sizes), "", dtype=object)
        tail[more] = [f"; and {n - most} more" for n in sizes[more]]
        joined = pc.binary_join_element_wise(joined, pa.array(tail, joined.type), pa.scalar("", joined.type))
    return pd.Series(pd.arrays.ArrowStringArray(joined.cast(pa.large_string())), index=g[starts])


def _efiling_people(ucode: np.ndarray, pcode: np.ndarray, efiling: np.ndarray, n_users: int) -> np.ndarray:
    """Distinct e-filing people per username code."""
    n_pids = int(pcode.max()) + 1 if len(pcode) else 0
    pairs = np.unique(ucode[efiling] * (n_pids + 1) + pcode[efiling])
    return np.bincount(pairs // (n_pids + 1), minlength=n_users)


FAMILY = Family("sharing", FIELDS, compute, after=("keys", "record"))
