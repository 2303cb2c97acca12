"""The audit takes Arrow's buffers from jemalloc (or the C library's allocator), unless the user chose."""

import os
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


def _pools(env: dict) -> list[str]:
    pacer = sorted(SAMPLE.glob("pacer_accounts*"))[0]
    done = subprocess.run([sys.executable, "-c", CODE, str(pacer)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_audit_takes_arrow_buffers_from_jemalloc_or_the_c_library():
    import pyarrow as pa

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    before, after = _pools(env)
    assert before == "mimalloc"   # pyarrow's own default, before the audit
    assert after == ("jemalloc" if "jemalloc" in pa.supported_memory_backends() else "system")


def test_a_pool_the_user_chose_is_kept():
    before, after = _pools({**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"})
    assert before == after == "system"
