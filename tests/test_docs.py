"""The README is a short front door whose links all lead somewhere; the docs behind it name files that exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """The anchors of a Markdown page's headings, made as GitHub makes them."""
    out = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return out


def test_the_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 160, f"README.md has {len(lines)} lines: move the detail to docs/"
    assert lines[2].split("#")[0].strip() == "make audit" and lines[3].split("#")[0].strip() == "make test"
    text = "\n".join(lines)
    for heading in ("## On Windows, without `make`", "## A clerk's month", "## A firm's check", "## Read more"):
        assert heading in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_leads_to_a_file_and_heading(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        name, _, anchor = target.partition("#")
        path = (page.parent / name).resolve() if name else page
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{page.name} links to {target}: no such heading in {path.name}"


def test_every_page_under_docs_is_reached_from_the_readme():
    linked = {(ROOT / m.partition("#")[0]).resolve() for m in LINK.findall(README.read_text(encoding="utf-8"))
              if not m.startswith(("http://", "https://"))}
    unreached = sorted(p.name for p in PAGES[1:] if p.resolve() not in linked)
    assert not unreached, f"README.md does not lead to {unreached}"


def test_paths_the_architecture_page_names_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:auditor|rules|tests|benchmarks|scripts|docs)/[\w./-]*)`", text))
    assert len(named) > 20
    missing = sorted(p for p in named if not (ROOT / p.rstrip("/")).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_windows_commands_name_real_files_and_extras():
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## On Windows"):text.index("## A clerk's month")]
    for name in re.findall(r"sample_data\\([\w.*-]+)", block):
        assert list((ROOT / "sample_data").glob(name)), name   # a pattern the auditor expands itself
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for extra in re.findall(r'\.\[([\w,]+)\]', block):
        for part in extra.split(","):
            assert part in extras, f"the README installs the extra {part!r}, which pyproject.toml does not define"
