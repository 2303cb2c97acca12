#!/usr/bin/env bash
# Installs the system packages the test suite drives for real, when they are missing:
#   chromium          the upload page's browser tests (Playwright launches it by path)
#   postgresql        the history store's PostgreSQL tests (a throwaway server per test session)
#   libreoffice-calc  the print-layout check (the report converted to PDF as a clerk would print it)
#   poppler-utils     pdftoppm / pdfinfo, to read that PDF back
#   fonts-crosextra-carlito  Calibri's metric twin, so LibreOffice lays the report out as Excel does
#                     (without it LibreOffice falls back to a wider font and the print checks mean little)
# Needs root and Debian's package lists; where they cannot be had it says so and carries on, and the
# tests that need the missing part skip, naming it.  With the CI environment variable set, a part that
# cannot be installed stops here with exit 1 (and those tests would fail rather than skip).
set -u
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
command -v soffice >/dev/null 2>&1 || want+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || want+=(poppler-utils)
fc-list 2>/dev/null | grep -qi carlito || want+=(fonts-crosextra-carlito)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then
    echo "system-deps: cannot install ${want[*]} (needs root and apt-get), and CI is set: the tests need them" >&2
    exit 1
  fi
  echo "system-deps: cannot install ${want[*]} (needs root and apt-get); the tests that need them will skip" >&2
  exit 0
fi
echo "system-deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null; }; then
  if [ -n "${CI:-}" ]; then
    echo "system-deps: installing ${want[*]} failed, and CI is set: the tests need them" >&2
    exit 1
  fi
  echo "system-deps: installing ${want[*]} failed; the tests that need them will skip" >&2
fi
exit 0
