"""The packages, found under auditor/ (every folder: the upload page's templates and styles too), and
one mapped from outside it: the top-level rules/ folder, the one source of the shipped rules and
court calendar, installed inside the package as auditor._rules so that an installed auditor finds
them (importlib.resources).  Everything else about the package is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(packages=[*find_namespace_packages(include=["auditor", "auditor.*"], exclude=["*.__pycache__"]), "auditor._rules"])
