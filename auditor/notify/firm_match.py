"""Which firm of the run a contact's firm name means.

A name is compared by the audit's own key first ("Smith & Jones, LLP" is "smith and jones llp"), then by
a looser key that also joins letters written apart, so that "Smith & Jones, P.A.", "Smith & Jones PA" and
"Smith and Jones PA" are one firm ("P.A." and "PA" both "pa").  Nothing fuzzier: two names are one firm
only when one of these keys is the same.  The looser key is used only where it names exactly one firm of
the run: when two of the run's firms have the same looser key ("Smith & Jones, P.A." and "Smith & Jones
PA" both in the court's export), a contact that names them only loosely goes to neither, and a line says
so; a contact written exactly as one of them goes to that one.
"""

from __future__ import annotations

from auditor.notify.contacts import Contacts


def loose(key: str) -> str:
    """The firm key with runs of single letters joined: "smith and jones p a" -> "smith and jones pa"."""
    out: list[str] = []
    singles: list[str] = []
    for word in key.split():
        if len(word) == 1:
            singles.append(word)
            continue
        if singles:
            out.append("".join(singles))
            singles = []
        out.append(word)
    if singles:
        out.append("".join(singles))
    return " ".join(out)


def resolve(contacts: Contacts, firms: dict[str, str]) -> Contacts:
    """The contacts keyed by the run's firm keys (``firms``: key -> name as the report writes it).

    ``problems`` gets a line for each contact firm that matches two or more of the run's firms only
    loosely (used for none of them) and for each group of the run's firms that share a looser key."""
    by_loose: dict[str, list[str]] = {}
    for key in firms:
        by_loose.setdefault(loose(key), []).append(key)
    out = Contacts(problems=list(contacts.problems))
    told: set[str] = set()
    for key, people in contacts.by_firm.items():
        target = key if key in firms else None
        group = by_loose.get(loose(key), [])
        if len(group) > 1 and loose(key) not in told:
            told.add(loose(key))
            names = " and ".join(f'"{firms[k]}"' for k in sorted(group, key=lambda k: firms[k]))
            out.problems.append(f"the run has {len(group)} firms whose names differ only in punctuation or "
                                f"spacing ({names}): each gets only contacts written exactly as its name")
        if target is None:
            if len(group) != 1:
                if len(group) > 1:
                    written = contacts.written.get(key, key)
                    out.problems.append(f"{'; '.join(contacts.sources.get(key, [])) or 'the contacts list'}: "
                                        f'"{written}" could be any of {len(group)} firms of this run; it is '
                                        "used for none of them (write the firm's name as the report does)")
                continue
            target = group[0]
        have = out.by_firm.setdefault(target, [])
        seen = {e.lower() for _, e in have}
        for name, email in people:
            if email.lower() not in seen:
                have.append((name, email))
                seen.add(email.lower())
        for where in contacts.sources.get(key, []):
            if where not in out.sources.setdefault(target, []):
                out.sources[target].append(where)
        out.written.setdefault(target, contacts.written.get(key, firms[target]))
    return out
