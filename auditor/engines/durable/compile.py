"""Compile rule conditions (``auditor.rulebook.language`` trees) to durable_rules ruleset definitions.

The definition is durable's own JSON form, built from the rule file, never written per rule::

    {"all": [{"m": {"$and": [{"_k": "roster"}, <condition>]}}]}

Facts carry each field as ``v_<field>`` (so no field can be mistaken for durable's own ``id``,
``sid`` or ``$s``), dates as whole seconds since 1970-01-01, yes/no fields as JSON booleans, and
omit blank fields.  Every condition is tied to its input kind by ``_k``, which durable's own
session-state record never has.

The product's semantics are reproduced exactly: durable treats an absent field as making every
comparison false, as the product does; ``not`` (plain negation in the product) is pushed down to
the comparisons with De Morgan's laws, and a negated comparison becomes "the field is absent or
the opposite comparison holds".

Refused, with the rule's id and the reason (``NotExpressible``):

* ``matches``: durable's regular-expression dialect is not Python's (``%`` escapes instead of
  ``\\``, and in 2.0.28 a space, or ``.*`` followed by a character class, does not match as
  Python's does), so no pattern is translated;
* anything :func:`check_definition` rejects: joins (a second pattern or a reference to another
  fact), empty ``$and``/``$or``, unknown operators, fields outside the fact's own fields, a
  backslash in a pattern, and any condition durable's session-state record
  ``{"sid": "0", "id": "sid-0", "$s": 1}`` would satisfy (it is re-asserted after every action, so
  such a rule fires forever).
"""

from __future__ import annotations

import datetime as dt

from auditor.rulebook import language as rl

PREFIX = "v_"
KIND_FIELD = "_k"
STATE_RECORD = {"sid": "0", "id": "sid-0", "$s": 1}
EPOCH = dt.date(1970, 1, 1)
_CMP = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_OPS = {"$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex", "$mt", "$imt"}


class NotExpressible(ValueError):
    """A rule condition durable_rules cannot evaluate exactly as the product does."""

    def __init__(self, rule_id: str, reason: str):
        self.rule_id = rule_id
        self.reason = reason
        super().__init__(f"rule {rule_id}: {reason}")


def literal(value):
    """A condition literal as it is sent to durable (dates as seconds since 1970-01-01)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value - EPOCH).days * 86400
    return value


def compile_condition(rule_id: str, node, kind: str) -> dict:
    """The durable rule definition for ``node`` checked over records of ``kind``."""
    body = _compile(rule_id, node, negate=False)
    definition = {"all": [{"m": {"$and": [{KIND_FIELD: kind}, body]}}]}
    check_definition(rule_id, definition)
    return definition


def _field(name: str) -> str:
    return PREFIX + name


def _absent(name: str) -> dict:
    return {"$nex": {_field(name): 1}}


def _present(name: str) -> dict:
    return {"$ex": {_field(name): 1}}


def _compare(name: str, op: str, value) -> dict:
    key = _CMP[op]
    if key is None:
        return {_field(name): literal(value)}
    return {key: {_field(name): literal(value)}}


def _group(op: str, items: list[dict]) -> dict:
    return items[0] if len(items) == 1 else {op: items}


def _compile(rule_id: str, node, negate: bool) -> dict:
    if isinstance(node, rl.Not):
        return _compile(rule_id, node.item, not negate)
    if isinstance(node, (rl.And, rl.Or)):
        if not node.items:
            raise NotExpressible(rule_id, "an empty 'and'/'or' group")
        conj = isinstance(node, rl.And) != negate          # De Morgan: not (a and b) = not a or not b
        return _group("$and" if conj else "$or", [_compile(rule_id, i, negate) for i in node.items])
    if isinstance(node, rl.Matches):
        raise NotExpressible(rule_id, f"'{node.field} matches \"{node.pattern}\"' needs Python regular expressions; "
                                      "durable_rules' dialect differs (no backslash escapes, and spaces or "
                                      "'.*' before a character class do not match as in Python)")
    if isinstance(node, rl.IsNull):
        null = not node.negated
        return _absent(node.field) if null != negate else _present(node.field)
    if isinstance(node, rl.IsTrue):
        if not negate:
            return {_field(node.field): True}
        return {"$or": [_absent(node.field), {_field(node.field): False}]}
    if isinstance(node, rl.In):
        inside = not node.negated
        if not negate:
            op, join = ("==", "$or") if inside else ("!=", "$and")
            return _group(join, [_compare(node.field, op, v) for v in node.values])
        op, join = ("!=", "$and") if inside else ("==", "$or")
        return {"$or": [_absent(node.field), _group(join, [_compare(node.field, op, v) for v in node.values])]}
    if isinstance(node, rl.Compare):
        if not negate:
            return _compare(node.field, node.op, node.value)
        return {"$or": [_absent(node.field), _compare(node.field, _OPPOSITE[node.op], node.value)]}
    raise NotExpressible(rule_id, f"condition part {type(node).__name__} has no durable_rules form")


# Checking a definition -----------------------------------------------------------------------------
def check_definition(rule_id: str, definition: dict) -> None:
    """Refuse what durable_rules gets wrong; raise NotExpressible naming the rule and the reason."""
    if not isinstance(definition, dict) or set(definition) - {"all", "run"} or "all" not in definition:
        raise NotExpressible(rule_id, "a definition must be {'all': [one pattern]}")
    patterns = definition["all"]
    if not isinstance(patterns, list) or len(patterns) != 1 or not isinstance(patterns[0], dict) \
            or list(patterns[0]) != ["m"]:
        raise NotExpressible(rule_id, "joins are not allowed: one pattern over one record only "
                                      "(durable_rules reads out of bounds on joins)")
    condition = patterns[0]["m"]
    _check_node(rule_id, condition)
    if satisfies(condition, STATE_RECORD):
        raise NotExpressible(rule_id, "the condition holds for durable_rules' own session-state record, "
                                      "so the rule would fire forever")


def _check_node(rule_id: str, node) -> None:
    if not isinstance(node, dict) or len(node) != 1:
        raise NotExpressible(rule_id, f"each condition part must have exactly one operator: {node!r}")
    (key, arg), = node.items()
    if key in ("$and", "$or"):
        if not isinstance(arg, list) or not arg:
            raise NotExpressible(rule_id, f"an empty {key} (durable_rules accepts it and loops forever)")
        for item in arg:
            _check_node(rule_id, item)
        return
    if key in _OPS:
        if not isinstance(arg, dict) or len(arg) != 1:
            raise NotExpressible(rule_id, f"{key} must name one field: {arg!r}")
        (name, value), = arg.items()
        _check_name(rule_id, name)
        if isinstance(value, dict):
            raise NotExpressible(rule_id, f"joins are not allowed: {name} is compared with another record")
        if key in ("$mt", "$imt") and (not isinstance(value, str) or "\\" in value):
            raise NotExpressible(rule_id, f"pattern {value!r}: durable_rules has no backslash escapes")
        return
    if key.startswith("$"):
        raise NotExpressible(rule_id, f"operator {key} is not in the subset used with durable_rules")
    _check_name(rule_id, key)
    if isinstance(arg, (dict, list)):
        raise NotExpressible(rule_id, f"joins are not allowed: {key} is compared with another record")


def _check_name(rule_id: str, name: str) -> None:
    if name != KIND_FIELD and not (isinstance(name, str) and name.startswith(PREFIX) and len(name) > len(PREFIX)):
        raise NotExpressible(rule_id, f"field {name!r} is not a record field (id, sid and $s belong to durable_rules)")


def satisfies(node: dict, record: dict) -> bool:
    """durable_rules' meaning of a condition for one record: absent fields make comparisons false."""
    (key, arg), = node.items()
    if key == "$and":
        return all(satisfies(i, record) for i in arg)
    if key == "$or":
        return any(satisfies(i, record) for i in arg)
    if key == "$ex":
        return next(iter(arg)) in record
    if key == "$nex":
        return next(iter(arg)) not in record
    if key in ("$mt", "$imt"):
        return next(iter(arg)) in record      # a pattern might match: assume it does
    if key.startswith("$"):
        (name, value), = arg.items()
        if record.get(name) is None:
            return False
        have = record[name]
        try:
            return {"$neq": have != value, "$lt": have < value, "$lte": have <= value,
                    "$gt": have > value, "$gte": have >= value}[key]
        except TypeError:
            return True                        # durable compares mixed types loosely: assume the worst
    if record.get(key) is None:
        return False
    return record[key] == arg or str(record[key]) == str(arg)
