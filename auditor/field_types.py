"""The types of fields, one vocabulary for the input columns (``auditor.columns``), the derived fields
(``auditor.derive``) and the rule language (``auditor.rulebook.language``)."""

TEXT, CATEGORY, DATE, BOOL, INT = "text", "category", "date", "bool", "int"
FIELD_TYPES = (TEXT, CATEGORY, DATE, BOOL, INT)   # input columns are never INT: only derived counts are

__all__ = ["TEXT", "CATEGORY", "DATE", "BOOL", "INT", "FIELD_TYPES"]
