r"""The condition language of rule files, parsed (never eval-ed) and compiled to pandas.

A condition is over the fields of one record (input columns and derived
fields).  Grammar::

    condition  := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" condition ")" | predicate
    predicate  := FIELD OP literal            OP: == != < <= > >=
                | FIELD "in" "[" literal ("," literal)* "]"
                | FIELD "not" "in" "[" ... "]"
                | FIELD "is" "null" | FIELD "is" "not" "null"
                | FIELD "matches" STRING      (the whole value must match; RE2 syntax)
                | FIELD                       (a yes/no field that is yes)
    literal    := "text" | 'text' | 12 | 3.5 | 2025-12-31 | true | false

Inside quotes, ``\\``, ``\"`` and ``\'`` stand for the character after the backslash;
any other backslash is kept as written, so ``matches "[a-z]+\.[a-z]+"`` means a
literal dot.

Patterns are run by RE2 (through pyarrow), in time linear in the text: a pattern RE2 cannot
run (lookaround, backreferences) is refused when the rules file is loaded.  ``\w``, ``\d`` and
``\s`` are ASCII there.  A condition is at most ``ConditionLimits.max_terms`` predicates, nested at
most ``max_depth`` deep, with at most ``max_values`` values in one list (each an option of the
command line, with these defaults).

Missing values: a comparison, ``in``, ``matches`` or bare yes/no field is
false when the field is blank; ``not`` turns false into true.  So
``not (role == "attorney")`` holds for a blank role, and
``role != "attorney"`` does not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from auditor.field_types import BOOL, CATEGORY, DATE, INT, TEXT
from auditor.rulebook.patterns import PatternError, linear_pattern, short

CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class ConditionLimits:
    """How large one condition may be: parsing and evaluating cost grows with each."""

    max_terms: int = 500        # predicates in one condition (100,000 took minutes on 1M rows)
    max_values: int = 10_000    # values in one 'in [...]' list
    max_depth: int = 50         # parentheses and 'not' nested in one condition


# nesting beyond this would exhaust Python's stack in the parser and the evaluator
DEPTH_CEILING = 100


class ConditionError(ValueError):
    """A condition that does not parse or does not fit the fields it names."""


@dataclass(frozen=True)
class Field:
    name: str
    dtype: str
    categories: tuple[str, ...] = ()
    description: str = ""


# AST nodes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: object


@dataclass(frozen=True)
class In:
    field: str
    values: tuple
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    field: str
    negated: bool = False  # True: "is not null"


@dataclass(frozen=True)
class Matches:
    field: str
    pattern: str


@dataclass(frozen=True)
class IsTrue:
    field: str


# Tokenizer --------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "in", "is", "null", "matches", "true", "false"}


def _tokens(text: str) -> list[tuple[str | None, object, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionError(f"unexpected {text[pos:pos + 10]!r} at character {pos + 1}")
        kind, raw = m.lastgroup, m.group()
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "string":  # \\ \" \' stand for the character; any other backslash is kept
            value: object = re.sub(r"\\([\\\"'])", r"\1", raw[1:-1])  # ("\." in a pattern)
        elif kind == "date":
            try:
                value = dt.date.fromisoformat(raw)
            except ValueError:
                raise ConditionError(f"{raw} is not a valid date") from None
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "word" and raw in KEYWORDS:
            kind, value = "kw", raw
        else:
            value = raw
        out.append((kind, value, m.start() + 1))
    out.append(("end", None, len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str, limits: ConditionLimits):
        self.limits = limits
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0
        self.terms = 0

    def peek(self, kind=None, value=None) -> bool:
        k, v, _ = self.toks[self.i]
        return (kind is None or k == kind) and (value is None or v == value)

    def take(self, kind=None, value=None, what="") -> tuple:
        k, v, pos = self.toks[self.i]
        if not self.peek(kind, value):
            got = "the end" if k == "end" else short(v)
            raise ConditionError(f"expected {what or value or kind} at character {pos}, found {got}")
        self.i += 1
        return k, v, pos

    def parse(self):
        node = self.or_expr()
        self.take("end", what="the end of the condition")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while self.peek("kw", "or"):
            self.i += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self):
        items = [self.unary()]
        while self.peek("kw", "and"):
            self.i += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self):
        if self.peek("kw", "not") or self.peek("punct", "("):
            self.depth += 1
            if self.depth > min(self.limits.max_depth, DEPTH_CEILING):
                raise ConditionError(f"nested more than {min(self.limits.max_depth, DEPTH_CEILING)} levels deep "
                                     "(parentheses and 'not'; the limit is --max-condition-depth)")
            try:
                if self.peek("kw", "not"):
                    self.i += 1
                    return Not(self.unary())
                self.i += 1
                node = self.or_expr()
                self.take("punct", ")", what="')'")
                return node
            finally:
                self.depth -= 1
        self.terms += 1
        if self.terms > self.limits.max_terms:
            raise ConditionError(f"more than {self.limits.max_terms:,} terms; split the rule, use 'in [...]' for a "
                                 "list of values, or raise --max-condition-terms")
        return self.predicate()

    def literal(self):
        k, v, pos = self.toks[self.i]
        if k in ("string", "number", "date"):
            self.i += 1
            return v
        if k == "kw" and v in ("true", "false"):
            self.i += 1
            return v == "true"
        raise ConditionError(f"expected a value at character {pos}, found {'the end' if k == 'end' else short(v)}")

    def value_list(self):
        self.take("punct", "[", what="'['")
        values = [self.literal()]
        while self.peek("punct", ","):
            self.i += 1
            values.append(self.literal())
            if len(values) > self.limits.max_values:
                raise ConditionError(f"a list of more than {self.limits.max_values:,} values "
                                     "(the limit is --max-list-values)")
        self.take("punct", "]", what="']'")
        return tuple(values)

    def predicate(self):
        _, name, _ = self.take("word", what="a field name")
        if self.peek("op"):
            _, op, _ = self.take("op")
            return Compare(name, op, self.literal())
        if self.peek("kw", "in"):
            self.i += 1
            return In(name, self.value_list())
        if self.peek("kw", "not"):
            self.i += 1
            self.take("kw", "in", what="'in' after 'not'")
            return In(name, self.value_list(), negated=True)
        if self.peek("kw", "is"):
            self.i += 1
            negated = False
            if self.peek("kw", "not"):
                self.i += 1
                negated = True
            self.take("kw", "null", what="'null'")
            return IsNull(name, negated)
        if self.peek("kw", "matches"):
            self.i += 1
            k, pattern, pos = self.take("string", what="a quoted pattern")
            try:
                linear_pattern(pattern)
            except PatternError as exc:
                raise ConditionError(str(exc)) from None
            return Matches(name, pattern)
        return IsTrue(name)


def parse(text: str, limits: ConditionLimits | None = None):
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("the condition is empty")
    return _Parser(text, limits or ConditionLimits()).parse()


def field_names(node) -> set[str]:
    if isinstance(node, (And, Or)):
        return set().union(*(field_names(i) for i in node.items))
    if isinstance(node, Not):
        return field_names(node.item)
    return {node.field}


def check(node, fields: dict[str, Field]) -> None:
    """Raise ConditionError unless every field exists and every operator and value fits its type."""
    if isinstance(node, (And, Or)):
        for item in node.items:
            check(item, fields)
        return
    if isinstance(node, Not):
        check(node.item, fields)
        return
    f = fields.get(node.field)
    if f is None:
        raise ConditionError(f"unknown field {short(node.field)}")
    if isinstance(node, IsNull):
        return
    if isinstance(node, IsTrue):
        if f.dtype != BOOL:
            raise ConditionError(f"{f.name} is {f.dtype}, not yes/no: compare it with a value")
        return
    if isinstance(node, Matches):
        if f.dtype not in (TEXT, CATEGORY):
            raise ConditionError(f"'matches' needs a text field; {f.name} is {f.dtype}")
        return
    values = node.values if isinstance(node, In) else (node.value,)
    if isinstance(node, Compare) and node.op not in ("==", "!=") and f.dtype in (TEXT, CATEGORY, BOOL):
        raise ConditionError(f"{node.op} does not apply to {f.dtype} field {f.name}")
    for v in values:
        _check_value(f, v)


def _check_value(f: Field, v: object) -> None:
    ok = {
        TEXT: isinstance(v, str),
        CATEGORY: isinstance(v, str),
        DATE: isinstance(v, dt.date),
        BOOL: isinstance(v, bool),
        INT: isinstance(v, (int, float)) and not isinstance(v, bool),
    }[f.dtype]
    if not ok:
        raise ConditionError(f"{short(v)} is not a {f.dtype} value for {f.name}")
    if f.dtype == CATEGORY and f.categories and v not in f.categories:
        raise ConditionError(f"{short(v)} is not a value of {f.name} (one of: {', '.join(f.categories)})")
