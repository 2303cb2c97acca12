"""The fields of each kind of input in the plain words the report uses, for the upload page.

The loader and the rules speak of ``firm_name`` or ``paa_id``; a firm administrator reads "Firm"
and "The firm's PAA".  Headers the report shows (Person, Firm, CM/ECF login, PACER username, Court,
Bar ID, E-mail) are spelt as on the Findings sheet.
"""

from __future__ import annotations

from auditor import columns as C

FIELD_LABELS = {
    "firm_name": "Firm",
    "court_id": "Court",
    "person_name": "Person",
    "filer_name": "Person",
    "account_holder": "Account holder",
    "role": "Role (attorney, paralegal, ...)",
    "filer_role": "Role (attorney, ...)",
    "bar_id": "Bar ID",
    "email": "E-mail",
    "pacer_username": "PACER username",
    "pacer_use": "What the PACER account is used for",
    "paa_id": "The firm's PAA (PACER administrative account)",
    "courts": "Courts the person files in",
    "left_firm_on": "Date the person left the firm",
    "cmecf_login": "CM/ECF login",
    "account_status": "Account status",
    "linked_on": "Date linked to PACER",
    "last_filed_on": "Date last filed",
    "account_type": "Account type",
    "upgraded": "Upgraded to NextGen",
    "account_number": "PACER account number",
    "created_on": "Date the account was made",
    "case_search_status": "Case search status",
    "mfa_enrolled": "Multi-factor authentication (MFA) on",
}

# Typed once on the page instead of a column: field -> (form field, label)
TYPED = {"firm_name": ("firm", "Firm name"), "court_id": ("court", "Court id")}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or C.column_label(name).capitalize()
