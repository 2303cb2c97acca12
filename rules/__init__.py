"""The shipped rule catalogue and court calendar: data files, installed as the package ``auditor._rules``.

The rule files (``*.yaml``) and ``courts.csv`` are read through ``importlib.resources``, so an installed
``auditor`` finds them wherever it lives; this folder is their one source.
"""
