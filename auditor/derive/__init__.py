"""Derived fields: one module per family of fields, gathered in order by ``auditor.derive.registry``."""
