"""Who is who, through the real command line: every case of one person written two ways, of two
people taken for one, and its opposite; the deciding evidence read back from the workbook.

Each case has a PACER username of its own, so that one audit run checks many cases at once.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli, sheet_rows, write_csv

COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "E-mail", "Firm", "PACER Login",
                "Status"]
PACER_HEADER = ["PACER Username", "Account Holder", "Account Type", "Upgraded", "Account Number", "Email Address"]
NICKNAMES = [("Hale, Robert A.", "Bob Hale"), ("Hale, William", "Bill Hale"), ("Hale, Richard", "Dick Hale"),
             ("Hale, Elizabeth", "Liz Hale"), ("Hale, Margaret", "Peggy Hale"), ("Hale, Katherine", "Kate Hale"),
             ("Hale, James", "Jim Hale"), ("Hale, Jennifer", "Jen Hale")]
NOT_NICKNAMES = [("Price, Daniel", "Diana Price"), ("Price, John", "Joan Price"), ("Price, Robert", "Roberta Price"),
                 ("Price, Daniel", "Danielle Price"), ("Price, Michael", "Michelle Price"),
                 ("Price, Ronald", "Rachel Price"),
                 # linked by the nickname list, but names of different people (a spouse, a sibling)
                 ("Price, Andrew", "Andrea Price"), ("Price, Aaron", "Erin Price"), ("Price, Jean", "Jane Price"),
                 ("Price, Patrick", "Peter Price"), ("Price, Emily", "Emma Price"),
                 ("Price, Frederick", "Frederica Price"), ("Price, Bill", "Fred Price"),
                 ("Price, Jack", "Jacqueline Price"), ("Price, Anna", "Hannah Price")]
MAYBE_ONE_NAME = [("Price, Elizabeth", "Lisa Price"), ("Price, Jonathan", "John Price")]


def _pair(user: str, a: str, b: str, *, email_a="", email_b="", firm_a="", firm_b="", bar_a="", bar_b=""):
    role = lambda bar: "Attorney" if bar else "Creditor"  # noqa: E731
    return [["ncmb", user + "a", a, role(bar_a), bar_a, email_a, firm_a, user, "Active"],
            ["nceb", user + "b", b, role(bar_b), bar_b, email_b, firm_b, user, "Active"]]


SHARED = {  # username -> (the two records, the rule expected or None, words expected in the evidence)
    # one person written two ways
    "pruitt001": (("Pruitt, Elizabeth", "Liz Pruitt"), dict(email_a="lp@pruitt.com", email_b="LP@pruitt.com"), None),
    "obrien001": (("O'Brien, Pat", "Pat OBrien"), {}, None),
    "mcdon0001": (("Mc Donald, Ronald", "Ronald McDonald"), {}, None),
    "title0001": (("Ms. Liz Pruitt", "Pruitt, Elizabeth"), {}, None),
    "title0002": (("Atty. Maria Lowe", "Lowe, Maria"), {}, None),
    "title0003": (("Hon. Maria Lowe", "Maria Lowe, Esq."), {}, None),
    "swap00001": (("Pruitt Elizabeth", "Elizabeth Pruitt"), {}, None),
    "swap00002": (("Pruitt Elizabeth A.", "Elizabeth A. Pruitt"), {}, None),   # surname first, a middle initial
    "swap00003": (("Elizabeth Pruitt", "Pruitt Elizabeth Ann"), {}, None),
    "case00001": (("JOHN SMITH", "John Smith"), {}, None),                     # one name, in capitals
    "case00002": (("SMITH, JOHN", "John Smith"), dict(email_a="js@smith.com", email_b="john@other.com"),
                  ("possibly-shared-filing-account", "different e-mail addresses")),
    "hyphen001": (("Ann Carver-Bell", "Carver, Ann"), {}, None),
    "initial01": (("Price, D.", "Daniel Price"), {}, None),
    "suffix001": (("Grant, Henry E., Jr.", "Henry E. Grant"), {}, None),
    "accent001": (("García, José", "Jose Garcia"), {}, None),
    # two people taken for one
    "suffix002": (("Grant, Henry E., Jr.", "Henry E. Grant Sr."), {}, ("shared-filing-account", "Jr.")),
    "suffix003": (("Grant, Henry II", "Henry Grant III"), {}, ("shared-filing-account", "II")),
    # a son filing on his father's account, both with the family firm's mailbox: the suffixes decide
    "suffix004": (("Grant, Henry E., Sr.", "Henry E. Grant Jr."), dict(email_a="office@grant.com",
                                                                      email_b="office@grant.com"),
                  ("shared-filing-account", "one is Sr., the other Jr.")),
    "namesake1": (("Moore, Linda", "Linda Moore"), dict(email_a="lm@acme.com", email_b="linda@zenith.com",
                                                        firm_a="Acme Credit", firm_b="Zenith Bank"),
                  ("shared-filing-account", "different firms")),
    "namesake2": (("Moore, Linda", "Linda Moore"), dict(email_a="lm@acme.com", email_b="lm@acme.com",
                                                        firm_a="Acme Credit", firm_b="Zenith Bank"), None),
    "namesake3": (("Moore, Linda", "Linda Moore"), dict(email_a="lm@acme.com", email_b="linda@zenith.com"),
                  ("possibly-shared-filing-account", "different e-mail addresses")),
    "barids001": (("Moore, Linda", "Linda Moore"), dict(bar_a="NC111", bar_b="NC222"),
                  ("shared-filing-account", "different bar ids")),
    "barids002": (("Moore, Linda", "Lee Chan"), dict(bar_a="NC-111", bar_b="nc111"), None),
}
for n, (full, nick) in enumerate(NICKNAMES):
    SHARED[f"nick{n:05d}"] = ((full, nick), {}, None)
    SHARED[f"nicx{n:05d}"] = ((full, nick.replace("Hale", "Stone")), {}, ("shared-filing-account", "the names differ"))
for n, (a, b) in enumerate(NOT_NICKNAMES):
    SHARED[f"spou{n:05d}"] = ((a, b), {}, ("shared-filing-account", "first names differ"))
    SHARED[f"spox{n:05d}"] = ((a, b), dict(email_a="one@price.com", email_b="one@price.com"), None)
for n, (a, b) in enumerate(MAYBE_ONE_NAME):
    SHARED[f"mayb{n:05d}"] = ((a, b), {}, ("possibly-shared-filing-account", "may or may not be one name"))

HOLDERS = {  # username -> (filer, filer e-mail, holder, holder e-mail, rule expected or None, evidence words)
    "hold00001": ("Hale, Robert A.", "bob@hale.com", "Bob Hale", "bob@hale.com", None, None),
    "hold00002": ("Hale, Robert A.", "", "Bob Hale", "", None, None),
    "hold00003": ("Hale, Robert A.", "", "Bob Stone", "", "holder-name-mismatch", "the names differ"),
    "hold00004": ("Atty. Maria Lowe", "", "Maria Lowe", "", None, None),
    "hold00005": ("Ann Carver-Bell", "", "Ann Carver", "", None, None),
    "hold00006": ("Price, Daniel", "", "Diana Price", "", "holder-name-mismatch", "the first names differ"),
    "hold00007": ("Price, D.", "", "Diana Price", "", None, None),
    "hold00008": ("Grant, Henry E., Jr.", "", "Henry E. Grant Sr.", "", "holder-name-mismatch", "Jr."),
    "hold00009": ("Grant, Henry E., Jr.", "", "Henry E. Grant", "", None, None),
    "hold00010": ("Moore, Linda", "lm@acme.com", "Linda Moore", "linda@zenith.com",
                  "possibly-holder-name-mismatch", "different e-mail addresses"),
    "hold00011": ("Moore, Linda", "lm@acme.com", "Linda Moore", "LM@acme.com", None, None),
    "hold00012": ("Hale, Margaret", "", "Peggy Hale", "", None, None),
    "hold00013": ("Hale, Margaret", "", "Peggy Stone", "", "holder-name-mismatch", "the names differ"),
    # a holder's name written surname first without a comma, with a middle initial or name
    "hold00014": ("Pruitt, Elizabeth A.", "", "Pruitt Elizabeth A.", "", None, None),
    "hold00015": ("Elizabeth Ann Pruitt", "", "Pruitt Elizabeth Ann", "", None, None),
    "hold00016": ("Pruitt, Elizabeth", "", "Pruitt Diana", "", "holder-name-mismatch", "the first names differ"),
    # a son (Jr.) filing on his father's (Sr.) account, the family firm's mailbox on both
    "hold00017": ("Grant, Henry E., Jr.", "office@grant.com", "Henry E. Grant Sr.", "office@grant.com",
                  "holder-name-mismatch", "one is Jr., the other Sr."),
    "hold00018": ("PRUITT, ELIZABETH", "", "Elizabeth Pruitt", "", None, None),   # differs only in case
}
IDENTITY_RULES = ("shared-filing-account", "possibly-shared-filing-account", "holder-name-mismatch",
                  "possibly-holder-name-mismatch", "filer-account-shared-with-staff")


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    d = tmp_path_factory.mktemp("identity")
    rows = [r for user, ((a, b), extra, _) in SHARED.items() for r in _pair(user, a, b, **extra)]
    rows += [["ncmb", u + "a", filer, "Creditor", "", mail, "", u, "Active"]
             for u, (filer, mail, *_rest) in HOLDERS.items()]
    # the same person with a work and a personal e-mail, linked by the PACER lists (one row in each)
    rows += _pair("linked001", "Pruitt, Elizabeth", "Liz Pruitt", email_a="liz@firm.com", email_b="liz@gmail.com")
    rows += _pair("unlinked1", "Pruitt, Elizabeth", "Liz Pruitt", email_a="liz@other.com", email_b="liz@yahoo.com")
    # one username written in two cases by two people: one account, shared
    rows += [["ncmb", "cu1a", "Fox, Eve", "Creditor", "", "", "", "CaseUser01", "Active"],
             ["nceb", "cu1b", "Gray, Lu", "Creditor", "", "", "", "caseuser01", "Active"]]
    # placeholders in the username cell: no account, not a shared one
    rows += [["ncmb", "na1", "Ames, Ann", "Attorney", "NC1", "", "", "N/A", "Active"],
             ["ncmb", "na2", "Bell, Bo", "Attorney", "NC2", "", "", "n/a", "Active"],
             ["ncmb", "na3", "Cole, Cy", "Attorney", "NC3", "", "", "-", "Active"],
             ["ncmb", "na4", "Dunn, Di", "Attorney", "NC4", "", "", "none", "Active"]]
    court = write_csv(d / "court.csv", COURT_HEADER, rows)
    pacer_rows = [[u, holder, "Individual", "Yes", f"9{n:06d}", hmail]
                  for n, (u, (_, _, holder, hmail, *_rest)) in enumerate(HOLDERS.items())]
    pacer_a = write_csv(d / "pacer-firm.csv", PACER_HEADER,
                        pacer_rows + [["linked001", "Elizabeth Pruitt", "Individual", "Yes", "8000001", "liz@firm.com"]])
    pacer_b = write_csv(d / "pacer-personal.csv", PACER_HEADER,
                        [["linked001", "Elizabeth Pruitt", "Individual", "Yes", "8000001", "liz@gmail.com"]])
    out = d / "report.xlsx"
    proc = run_cli("audit", "--court-accounts", court, "--pacer-accounts", pacer_a, "--pacer-accounts", pacer_b,
                   "--as-of", "2026-11-30", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return sheet_rows(out, "Findings"), sheet_rows(out, "Data issues")


def _by_user(rows, user):
    return [f for f in rows if f["pacer_username"] == user and f["rule_id"] in IDENTITY_RULES]


@pytest.mark.parametrize("user", sorted(SHARED))
def test_people_sharing_a_username(findings, user):
    (a, b), _, expected = SHARED[user]
    hits = _by_user(findings[0], user)
    if expected is None:
        assert hits == [], f"{a} / {b} taken for two people: {hits}"
        return
    rule, words = expected
    assert {h["rule_id"] for h in hits} == {rule}, f"{a} / {b}: {hits}"
    assert len(hits) == 2
    for h in hits:
        assert words in h["evidence"] and a in h["evidence"] and b in h["evidence"]


def test_possibly_is_graded_below_the_certain_finding(findings):
    sev = {f["rule_id"]: f["severity"] for f in findings[0]}
    assert sev["shared-filing-account"] == "high" and sev["possibly-shared-filing-account"] == "medium"
    assert sev["holder-name-mismatch"] == "medium" and sev["possibly-holder-name-mismatch"] == "low"


def test_a_work_and_a_personal_email_linked_by_the_pacer_lists_are_one_person(findings):
    assert _by_user(findings[0], "linked001") == []
    assert {h["rule_id"] for h in _by_user(findings[0], "unlinked1")} == {"possibly-shared-filing-account"}


@pytest.mark.parametrize("user", sorted(HOLDERS))
def test_pacer_account_holder(findings, user):
    filer, _, holder, _, rule, words = HOLDERS[user]
    hits = _by_user(findings[0], user)
    if rule is None:
        assert hits == [], f"{filer} taken for someone other than holder {holder}: {hits}"
        return
    assert [h["rule_id"] for h in hits] == [rule]
    assert words in hits[0]["evidence"]
    # the court's own report names the holder; a firm's copy puts "(a person outside this firm)" in its
    # place (test_audit_e2e.py::test_split_by_firm_gives_each_firm_its_own_rows_only)
    assert hits[0]["rule_id"] != "holder-name-mismatch" or holder in hits[0]["evidence"]


def test_one_username_in_two_cases_used_by_two_people_is_one_shared_account(findings):
    hits = [f for f in findings[0] if str(f["pacer_username"]).lower() == "caseuser01"]
    assert sorted((h["rule_id"], h["person_name"]) for h in hits) == [
        ("shared-filing-account", "Fox, Eve"), ("shared-filing-account", "Gray, Lu")]
    assert all("by 2 different people: Fox, Eve (efiling); Gray, Lu (efiling)" in h["evidence"] for h in hits)


def test_placeholders_mean_no_account(findings):
    rows, issues = findings
    assert not [f for f in rows if f["person_name"] in ("Ames, Ann", "Bell, Bo", "Cole, Cy", "Dunn, Di")
                and f["rule_id"] in ("shared-filing-account", "legacy-username")]
    unlinked = {f["person_name"] for f in rows if f["rule_id"] in ("unlinked-filing-account", "prepare-for-nextgen")}
    assert {"Ames, Ann", "Bell, Bo", "Cole, Cy", "Dunn, Di"} <= unlinked
    said = [i for i in issues if i["column"] == "PACER Login"]
    assert sorted(i["value"] for i in said) == ["-", "N/A", "n/a", "none"]
    assert all("no account" in i["reason"] for i in said)


def test_pacer_accounts_sharing_a_mailbox_but_filed_by_different_bar_ids_are_two_people(tmp_path):
    """A firm's docketing address on two attorneys' own accounts is not one person holding two accounts
    (bar ids decide before e-mail); the same address with one bar id, or no bar ids, still is."""
    court = write_csv(tmp_path / "court.csv", COURT_HEADER, [
        ["ncmb", "c1", "Ames, Ann", "Attorney", "NC101", "", "", "annames01", "Active"],
        ["ncmb", "c2", "Bell, Bo", "Attorney", "NC202", "", "", "bobell001", "Active"],
        ["ncmb", "c3", "Cole, Cy", "Attorney", "NC303", "", "", "cycole001", "Active"],
        ["nceb", "c4", "Cole, Cy", "Attorney", "NC303", "", "", "cycole002", "Active"],
    ])
    pacer = write_csv(tmp_path / "pacer.csv", PACER_HEADER, [
        ["annames01", "Ann Ames", "Individual", "Yes", "7000001", "docket@firm.com"],
        ["bobell001", "Bo Bell", "Individual", "Yes", "7000002", "Docket@firm.com"],
        ["cycole001", "Cy Cole", "Individual", "Yes", "7000003", "cy@cole.com"],
        ["cycole002", "Cy Cole", "Individual", "Yes", "7000004", "cy@cole.com"],
        ["dadunn001", "Di Dunn", "Individual", "Yes", "7000005", "di@dunn.com"],
        ["dadunn002", "Di Dunn", "Individual", "Yes", "7000006", "di+pacer@dunn.com"],
    ])
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", court, "--pacer-accounts", pacer, "--as-of", "2026-11-30",
                   "--out", out, "--no-history")
    assert proc.returncode == 0, proc.stderr
    dup = {f["pacer_username"]: f["evidence"] for f in sheet_rows(out, "Findings")
           if f["rule_id"] == "duplicate-pacer-accounts"}
    # one finding per person, on the first of their accounts, naming them all
    assert sorted(dup) == ["cycole001", "dadunn001"], dup
    assert "the same bar id e-filing with each and the same e-mail address" in dup["cycole001"]
    assert "dadunn001, dadunn002" in dup["dadunn001"] and "the same e-mail address" in dup["dadunn001"]


def test_a_bar_id_filing_with_another_persons_account_is_sharing_not_a_second_account(tmp_path):
    """Jessica Graham (one bar id) files with her own account and with Rebecca Cooper's: Cooper's account
    is shared; neither of them holds two accounts.  A father and son (Sr., Jr.) with their own accounts
    and one family mailbox are two people with one account each."""
    court = write_csv(tmp_path / "court.csv", COURT_HEADER, [
        ["ncmb", "rc1", "Cooper, Rebecca", "Attorney", "NC164", "", "", "rcooper00164", "Active"],
        ["ncmb", "jg1", "Graham, Jessica", "Attorney", "NC174", "", "", "jgraham00174", "Active"],
        ["nceb", "jg2", "Graham, Jessica", "Attorney", "NC174", "", "", "rcooper00164", "Active"],
        ["ncmb", "hg1", "Grant, Henry Sr.", "Attorney", "", "", "", "hgrant0001", "Active"],
        ["ncmb", "hg2", "Grant, Henry Jr.", "Attorney", "", "", "", "hgrant0002", "Active"],
    ])
    pacer = write_csv(tmp_path / "pacer.csv", PACER_HEADER, [
        ["rcooper00164", "Rebecca H. Cooper", "Individual", "Yes", "7000001", "rc@whitfield.com"],
        ["jgraham00174", "Jessica Graham", "Individual", "Yes", "7000002", "jg@whitfield.com"],
        ["hgrant0001", "Henry Grant Sr.", "Individual", "Yes", "7000003", "office@grant.com"],
        ["hgrant0002", "Henry Grant Jr.", "Individual", "Yes", "7000004", "office@grant.com"],
    ])
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", court, "--pacer-accounts", pacer, "--as-of", "2026-11-30",
                   "--out", out, "--no-history")
    assert proc.returncode == 0, proc.stderr
    found = sheet_rows(out, "Findings")
    assert [f for f in found if f["rule_id"] == "duplicate-pacer-accounts"] == []
    shared = sorted((f["person_name"], f["pacer_username"]) for f in found if f["rule_id"] == "shared-filing-account")
    assert shared == [("Cooper, Rebecca", "rcooper00164"), ("Graham, Jessica", "rcooper00164")]
    assert not [f for f in found if "Grant" in str(f["person_name"]) and f["rule_id"] in IDENTITY_RULES]


GENERATION_NAMES = ["Henry Grant Ｊｒ.", "Grant, Henry, J.r.", "Henry Grant Ⅱ", "Henry Grant III", "Henry Grant, Sr",
                    "Henry Grant 2nd", "José Grant Jr.", "Grant Henry Jŕ", "Olivia Ivy", "Henry Grant IV", "Henry Grant V",
                    "Grant, Henry (Junior)", "Henry Grant ＩＩ", "Hawaii, Senior", "Rivera, Oliver", "Sr", ""]


def test_suffixes_of_generation_looked_for_in_bulk_are_those_each_name_carries():
    """Arrow picks out the names that may carry a suffix of generation (accents, full-width letters,
    dots and case folded as ``generation_of`` folds them); each one's suffix is then the one
    ``generation_of`` gives it, and every other name has none."""
    import numpy as np
    import pyarrow as pa

    from auditor.derive.identity import generation_of
    from auditor.derive.name_pairs import GENERATION_LABELS, generation_codes

    names = pa.array(GENERATION_NAMES, pa.large_string())
    codes = generation_codes(names, np.arange(len(GENERATION_NAMES)), generation_of)
    assert [GENERATION_LABELS[c] for c in codes] == [generation_of(n) for n in GENERATION_NAMES]
    assert "Jr." in [GENERATION_LABELS[c] for c in codes]


NAME_PIECES = ["Ann", "ann", "Lee", "LEE", "Mc", "Donald", "McDonald", "O'Neil", "oneil", "J.", "J", "R.", "jr", "ab",
               "a", "9", "2nd", " ", "  ", ",", "-", ".", "'", "_", "\t", "(", "Zoë", "ß"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.lists(st.sampled_from(NAME_PIECES), max_size=6).map("".join)] * 2), min_size=1,
                max_size=30))
def test_pairs_without_a_word_in_common_are_found_as_compare_names_finds_them(pairs):
    """``share_a_word`` (Arrow, for ASCII names) spares Python only the pairs ``compare_names`` calls
    different for having no word in common; any other pair (a word in common, a name beyond ASCII) is
    left to it."""
    import numpy as np
    import pyarrow as pa

    from auditor.derive.identity import _words
    from auditor.derive.name_pairs import share_a_word

    names = sorted({n for pair in pairs for n in pair})
    code = {n: i for i, n in enumerate(names)}
    a = np.array([code[x] for x, _ in pairs], dtype=np.int64)
    b = np.array([code[y] for _, y in pairs], dtype=np.int64)
    maybe = share_a_word(pa.array(names, pa.large_string()), a, b).tolist()
    for (x, y), m in zip(pairs, maybe):
        if x.isascii() and y.isascii():
            assert m == bool(_words(x) & _words(y)), (x, y)
        else:
            assert m, (x, y)
