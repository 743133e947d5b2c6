"""Fuzzing the scenario reader: any file gives exit 0, or exit 2 with clean ``error: FILE`` lines.

Cases come from three generators (tests/fuzz/documents.py, tests/fuzz/mutations.py): documents
walked from docs/scenario.schema.json with consistent names, mutations of the bundled scenarios,
and raw text mutations. Each runs ``tradesim validate`` and, for a fraction that validates and is
small, ``solve --max-seconds 2`` and ``show``; the contract is checked by tests/fuzz/harness.py.

* The fast run (normal suite) runs in this process with an alarm per command, and stops at the
  first failure, printing the case minimised to a small TOML text.
* The long run (``make fuzz``; ``-m slow``, ``FUZZ_EXAMPLES`` cases, default 10,000) runs in a
  worker subprocess with a memory cap and a hard timeout, includes endless ``extends`` targets
  (/dev/zero), collects every failure class with its count and one minimised reproduction, and
  writes that report to ``FUZZ_REPORT`` when it is set.
"""

from __future__ import annotations

import collections
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.harness import Worker, check_case, describe, in_process_runner, minimise
from tests.fuzz.mutations import fuzz_cases

FAST_EXAMPLES = int(os.environ.get("FUZZ_FAST_EXAMPLES", "300"))
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
          HealthCheck.filter_too_much]


@settings(max_examples=FAST_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=_QUIET)
@given(case=fuzz_cases(solve_every=8))
def test_fuzz_fast_any_file_is_ok_or_one_clean_error(case):
    run = in_process_runner(budget=5.0, solve_budget=20.0)
    failures = check_case(case, run)
    if failures:
        cls, out = failures[0]
        small = minimise(case, cls, run, max_runs=200, max_seconds=15.0)
        small_out = next((o for c, o in check_case(small, run) if c == cls), out)
        pytest.fail(describe(small, cls, small_out), pytrace=False)


@pytest.mark.slow
@pytest.mark.skipif("FUZZ_EXAMPLES" not in os.environ, reason="the long fuzz run: make fuzz (sets FUZZ_EXAMPLES)")
def test_fuzz_long_run_collects_every_failure_class():
    n = int(os.environ.get("FUZZ_EXAMPLES", "10000"))
    worker = Worker(memory_mb=int(os.environ.get("FUZZ_MEMORY_MB", "2048")))
    run = worker(budget=10.0, solve_budget=30.0)
    seen: dict[str, tuple] = {}
    counts: collections.Counter = collections.Counter()
    cases = 0
    start = time.monotonic()

    @settings(max_examples=n, deadline=None, phases=[Phase.generate], database=None,
              suppress_health_check=_QUIET)
    @given(case=fuzz_cases(endless=True, solve_every=5))
    def collect(case):
        nonlocal cases
        cases += 1
        for cls, out in check_case(case, run):
            counts[cls] += 1
            if cls not in seen or len(case.data) < len(seen[cls][0].data):
                seen[cls] = (case, out)

    try:
        collect()
        lines = [f"{cases} cases in {time.monotonic() - start:.0f} s; {len(counts)} failure classes"]
        for cls, k in counts.most_common():
            case, out = seen[cls]
            small = minimise(case, cls, run, max_runs=300, max_seconds=60.0)
            small_out = next((o for c, o in check_case(small, run) if c == cls), out)
            lines += [f"\n[{k} cases] " + describe(small, cls, small_out)]
    finally:
        worker.close()
    report = "\n".join(lines)
    if os.environ.get("FUZZ_REPORT"):
        Path(os.environ["FUZZ_REPORT"]).write_text(report + "\n", encoding="utf-8")
    assert not counts, report
