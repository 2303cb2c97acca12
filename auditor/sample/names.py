"""Word pools and header spellings for the synthetic sample data.

Names, firm names and the header spellings of each generated file.  Every
header used here is one of the aliases in :mod:`auditor.columns`, so the
loader recognises the generated files as a user's own exports would be.
"""

from __future__ import annotations

import re
import unicodedata

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Ronald", "Rebecca", "Edward", "Sharon", "Jason", "Laura", "Jeffrey", "Cynthia", "Ryan", "Kathleen",
    "Jacob", "Amy", "Gary", "Angela", "Nicholas", "Shirley", "Eric", "Anna", "Jonathan", "Brenda",
    "Stephen", "Pamela", "Larry", "Emma", "Justin", "Nicole", "Scott", "Helen", "Brandon", "Samantha",
    "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Frank",
    "Carolyn", "Raymond", "Janet", "Patrick", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry",
    "Diane", "Tyler", "Julie", "Aaron", "Joyce", "Jose", "Victoria", "Adam", "Kelly", "Nathan", "Christina",
    "Henry", "Lauren", "Douglas", "Joan", "Zachary", "Evelyn", "Peter", "Judith", "Kyle", "Megan",
    "Walter", "Andrea", "Ethan", "Cheryl", "Jeremy", "Hannah", "Harold", "Jacqueline", "Keith", "Martha",
    "Zoë", "José", "Renée", "Chloé", "Björn", "Inés", "Siobhán", "Łukasz", "Dmitri", "Priya", "Wei",
    "Ngozi", "Aisha", "Hiroshi", "Minh", "Santiago", "Fatima", "Yusuf", "Mei", "Rahul", "Ana",
)

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson",
    "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
    "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
    "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
    "Gray", "James", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins",
    "Perry", "Russell", "Sullivan", "Fisher", "Henderson", "Coleman", "Simmons", "Patterson", "Jordan",
    "Reynolds", "Hamilton", "Graham", "Wallace", "Woods", "Cole", "West", "Owens", "Marshall", "Ellis",
    "McDonald", "Harrison", "Gibson", "Cruz", "Hayes", "Ford", "Webb", "Tucker", "Porter", "Hunter",
    "Hicks", "Crawford", "Boyd", "Mason", "Warren", "Dixon", "Ramos", "Burns", "Gordon", "Shaw", "Holmes",
    "Rice", "Hunt", "Black", "Daniels", "Palmer", "Mills", "Grant", "Knight", "Ferguson", "Stone", "Hawkins",
    "Pope", "Chavez", "Lynch", "Doyle", "Ng", "Li", "Wu", "Lee", "Kim", "Patel", "Nguyen", "Singh",
    "Núñez", "O'Brien", "García", "Hernández", "Müller", "Søndergaard", "D'Angelo", "MacLeod", "López",
    "Rodríguez", "Pérez", "Gómez", "Sánchez", "Ortiz", "Ruiz", "Kowalski", "Nowak", "Okafor", "Tanaka",
)

MIDDLE_INITIALS = tuple("ABCDEFGHJKLMNPRSTW")

# Surnames kept apart from LAST_NAMES so that a rostered firm's name never
# equals the name of a firm met only in the court export.
ROSTER_FIRM_NAMES = (
    "Whitfield", "Ashby", "Kensington", "Pemberton", "Holloway", "Langford", "Thornton", "Blackwell",
    "Caldwell", "Merriweather", "Fairbanks", "Harrington", "Winslow", "Stanhope", "Prescott", "Radcliffe",
    "Beaumont", "Lockhart", "Sterling", "Underwood", "Vance", "Ellsworth", "Galloway", "Hargrove",
    "Ingram", "Kingsley", "Lindqvist", "Montague", "Northcutt", "Oakes", "Pryor", "Quinlan", "Rutledge",
    "Sheffield", "Talbot", "Upshaw", "Vaughan", "Whitmore", "Yarborough", "Abernathy", "Broadus",
    "Cartwright", "Dunleavy", "Everhart", "Fitzgerald", "Gillespie", "Hollister", "Iverson", "Jessup",
    "Kincaid", "Lowell", "Mercer",
)
FIRM_SUFFIXES = ("LLP", "PLLC", "P.A.", "LLC", "P.C.")

CREDITOR_COMPANIES = (
    "Capital One Bank (USA), N.A.", "Synchrony Bank", "Ally Financial Inc.", "Santander Consumer USA",
    "Wells Fargo Bank, N.A.", "Quantum3 Group LLC", "PRA Receivables Management, LLC",
    "LVNV Funding, LLC", "Internal Revenue Service", "NC Department of Revenue",
)
TRUSTEE_OFFICES = (
    "Office of the Chapter 13 Trustee", "Chapter 7 Trustee Panel", "U.S. Trustee Program",
)
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "aol.com")
BAR_STATES = ("NC", "NC", "NC", "NC", "SC", "VA", "GA", "TN")

# Court filer roles as a court export writes them: (display, canonical).
COURT_ROLES = (
    ("Attorney", "attorney"), ("Trustee", "trustee"), ("Creditor", "creditor"),
    ("Limited Filer", "limited_filer"), ("Pro Se", "pro_se"), ("Course Provider", "other"),
)
COURT_ROLE_P = (0.72, 0.03, 0.10, 0.06, 0.05, 0.04)
STATUS_DISPLAY = ("Active", "Inactive", "Locked")

# Header spellings per file.  Keys are canonical columns (auditor.columns).
COURT_HEADERS = {
    "court_id": "Court", "cmecf_login": "CM/ECF Login", "filer_name": "Filer Name",
    "filer_role": "Role", "bar_id": "Bar Number", "email": "E-mail", "firm_name": "Firm",
    "pacer_username": "PACER Login", "account_status": "Status", "linked_on": "Linked On",
    "last_filed_on": "Last Filed",
}
PACER_HEADERS = {
    "pacer_username": "PACER Username", "account_holder": "Account Holder", "account_type": "Account Type",
    "upgraded": "Upgraded", "paa_id": "PAA ID", "account_number": "Account Number",
    "email": "Email Address", "created_on": "Created", "case_search_status": "Case Search Status",
    "mfa_enrolled": "MFA",
}
ROSTER_HEADERS = (
    {"firm_name": "Firm", "person_name": "Name", "role": "Position", "bar_id": "Bar No",
     "email": "Work Email", "pacer_username": "PACER User Name", "pacer_use": "PACER Usage",
     "paa_id": "PAA", "courts": "Filing Courts", "left_firm_on": "Date Left"},
    {"firm_name": "Law Firm", "person_name": "Employee", "role": "Title", "bar_id": "State Bar Number",
     "email": "E-mail Address", "pacer_username": "PACER ID", "pacer_use": "Account Use",
     "paa_id": "PAA Account", "courts": "Courts", "left_firm_on": "Departure Date"},
    {"firm_name": "Firm Name", "person_name": "Full Name", "role": "Staff Role", "bar_id": "Bar ID",
     "email": "Email", "pacer_username": "PACER Login", "pacer_use": "Use",
     "paa_id": "PAA ID", "courts": "Court IDs", "left_firm_on": "Left Firm"},
)
# Role and use spellings per roster template (canonical -> display).
ROSTER_ROLE_DISPLAY = (
    {"attorney": "Attorney", "paralegal": "Paralegal", "staff": "Staff"},
    {"attorney": "Associate", "paralegal": "Legal Assistant", "staff": "Admin"},
    {"attorney": "Atty", "paralegal": "Paralegal", "staff": "Billing"},
)
ROSTER_USE_DISPLAY = (
    {"efiling": "E-Filing", "research": "Research", "both": "Both", "": ""},
    {"efiling": "Filing", "research": "Research Only", "both": "Filing and Research", "": ""},
    {"efiling": "efile", "research": "view only", "both": "both", "": ""},
)
# Date formats: CSV text written as ISO or US; XLSX cells are real dates.
ISO, US = "iso", "us"


def ascii_letters(text: str) -> str:
    """Lower-case ASCII letters of a name: "Núñez" -> "nunez", "O'Brien" -> "obrien"."""
    s = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L").replace("ø", "o"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", s.lower())


def slug(text: str) -> str:
    """File-name slug of a firm name: "Whitfield & Ashby, LLP" -> "whitfield-ashby-llp"."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_letters_keep_digits(text)).strip("-")


def ascii_letters_keep_digits(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower()


def roster_firm_name(i: int) -> str:
    """The i-th rostered firm's name, distinct for i < 50 and never like a court-only firm."""
    n = len(ROSTER_FIRM_NAMES)
    a = ROSTER_FIRM_NAMES[i % n]
    b = ROSTER_FIRM_NAMES[(i * 7 + 3) % n]
    if a == b:
        b = ROSTER_FIRM_NAMES[(i + 1) % n]
    return f"{a} & {b}, {FIRM_SUFFIXES[i % len(FIRM_SUFFIXES)]}"
