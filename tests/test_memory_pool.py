"""The audit takes Arrow's buffers from jemalloc (or the C library's allocator), unless the user chose;
under a cap on the address space (the upload page's workers), from the C library's allocator."""

import os
import resource
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"

CODE = """
import datetime as dt, sys
import pyarrow as pa
from auditor.api.audit import audit
before = pa.default_memory_pool().backend_name
audit(pacer_accounts=[sys.argv[1]], as_of=dt.date(2026, 11, 30))
print(before, pa.default_memory_pool().backend_name)
"""


def _pools(env: dict, cap: int | None = None) -> list[str]:
    pacer = sorted(SAMPLE.glob("pacer_accounts*"))[0]

    def capped() -> None:
        if cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    done = subprocess.run([sys.executable, "-c", CODE, str(pacer)], capture_output=True, text=True, env=env,
                          timeout=120, preexec_fn=capped)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}


def test_the_audit_takes_arrow_buffers_from_jemalloc_or_the_c_library():
    import pyarrow as pa

    before, after = _pools(_env())
    assert before == "mimalloc"   # pyarrow's own default, before the audit
    assert after == ("jemalloc" if "jemalloc" in pa.supported_memory_backends() else "system")


def test_under_a_cap_on_the_address_space_the_c_library_allocator():
    """jemalloc reserves the most address space of the three (4.4 GiB at 1M rows, against 2.9)."""
    before, after = _pools(_env(), cap=8 << 30)
    assert (before, after) == ("mimalloc", "system")


def test_a_pool_the_user_chose_is_kept():
    before, after = _pools({**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"})
    assert before == after == "mimalloc"
