"""Whose address a firm's message goes to: firm names matched to the run's firms, and the firm's
administrator named in a roster or the court's export (which role spellings count, which never do)."""

from __future__ import annotations

from auditor.notify.admin_contacts import administrators
from auditor.notify.contacts import Contacts, read_contacts
from auditor.notify.firm_match import loose, resolve


def _contacts(tmp_path, *firms: str) -> Contacts:
    path = tmp_path / "contacts.csv"
    path.write_text("Firm,Name,E-mail\n" + "".join(f'"{f}",Pat,pat{i}@firm.example\n' for i, f in enumerate(firms)),
                    encoding="utf-8")
    return read_contacts(path)


def test_a_firm_written_with_or_without_its_points_and_with_and_for_ampersand_is_one_firm(tmp_path):
    assert loose("smith and jones p a") == loose("smith and jones pa") == "smith and jones pa"
    for written in ("Smith & Jones, P.A.", "Smith & Jones PA", "Smith and Jones PA", "SMITH & JONES, P. A."):
        got = resolve(_contacts(tmp_path, written), {"smith and jones pa": "Smith & Jones PA"})
        assert got.by_firm == {"smith and jones pa": [("Pat", "pat0@firm.example")]}, written
        assert got.sources == {"smith and jones pa": ["contacts.csv"]} and got.problems == []
    # another firm stays another firm: a different entity, a missing word
    for other in ("Smith & Jones LLP", "Smith Jones PA", "Smith & Jones & Brown PA"):
        assert resolve(_contacts(tmp_path, other), {"smith and jones pa": "Smith & Jones PA"}).by_firm == {}


def test_two_firms_of_the_run_that_match_one_name_only_loosely_get_neither_and_a_line_says_so(tmp_path):
    run = {"j r smith p a": "J. R. Smith, P.A.", "jr smith pa": "JR Smith PA"}
    got = resolve(_contacts(tmp_path, "J.R. Smith PA"), run)
    assert got.by_firm == {}
    assert got.problems == [
        'the run has 2 firms whose names differ only in punctuation or spacing ("J. R. Smith, P.A." and '
        '"JR Smith PA"): each gets only contacts written exactly as its name',
        'contacts.csv: "J.R. Smith PA" could be any of 2 firms of this run; it is used for none of them '
        "(write the firm's name as the report does)"]
    # written as one of them is written (the audit's own key): that one only
    got = resolve(_contacts(tmp_path, "JR Smith, PA"), run)
    assert got.by_firm == {"jr smith pa": [("Pat", "pat0@firm.example")]}


def test_the_firms_administrator_in_a_roster_or_the_courts_export_is_its_contact_and_no_one_else(tmp_path):
    roster = tmp_path / "roster_sj.csv"
    roster.write_text(
        "Firm,Name,Role,Email,Left Firm\n"
        "Smith & Jones PA,Olga Office,Office Administrator,olga@sj.example,\n"
        "Smith & Jones PA,Lee Legal,Legal administrator,lee@sj.example,\n"
        "Smith & Jones PA,Amy Aide,Admin,amy@sj.example,\n"                      # "admin" alone: an assistant as often
        "Smith & Jones PA,Al Aide,Administrative Assistant,al@sj.example,\n"
        "Smith & Jones PA,Gil Gone,Firm's Administrator,gil@sj.example,2026-01-02\n"
        "Smith & Jones PA,Sue Shared,Firm Admin,sue@office.example,\n"
        "Smith & Jones PA,Nat Noaddress,Firm Administrator,,\n", encoding="utf-8")
    court = tmp_path / "court.csv"
    court.write_text(
        "Court,CM/ECF Login,Filer Name,Role,Email,Firm,Status\n"
        'ncmb,fa1,"Admin, Fran",Firm Administrator,fran@bw.example,"Brown & White, LLP",Active\n'
        'ncmb,sys1,"Sys, Sam",System Administrator,sam@court.example,"Brown & White, LLP",Active\n'
        'ncmb,adm1,"Adm, Ann",Administrator,ann@bw.example,"Brown & White, LLP",Active\n'   # a court's own? not used
        'ncmb,x1,"Other, Oscar",Attorney,sue@office.example,Green LLC,Active\n'
        'ncmb,fa2,"Locked, Lou",Firm Administrator,lou@bw.example,"Brown & White, LLP",Locked\n'
        'ncmb,fa3,"Nofirm, Nell",Firm Administrator,nell@x.example,,Active\n', encoding="utf-8")
    got = administrators([roster], [court])
    assert got.by_firm == {"smith and jones pa": [("Olga Office", "olga@sj.example"), ("Lee Legal", "lee@sj.example")],
                           "brown and white llp": [("Admin, Fran", "fran@bw.example")]}
    assert got.sources["smith and jones pa"] == [
        'the firm\'s administrator in roster_sj.csv, row 2 (role "Office Administrator")',
        'the firm\'s administrator in roster_sj.csv, row 3 (role "Legal administrator")']
    assert got.sources["brown and white llp"] == ['the firm\'s administrator in court.csv, row 2 (role "Firm Administrator")']
    assert got.problems == [
        "roster_sj.csv, row 6: the firm administrator Gil Gone has left the firm or the account is not active; not used",
        "roster_sj.csv, row 7: sue@office.example is given for people of several firms in the inputs; it is not "
        "used as any firm's contact",
        "roster_sj.csv, row 8: the firm administrator Nat Noaddress has no usable e-mail address; not used",
        "court.csv, row 6: the firm administrator Locked, Lou has left the firm or the account is not active; not used",
        "court.csv, row 7: the firm administrator Nofirm, Nell is given with no firm; not used"]
