"""The collector's full passes leave a run's older objects out only while the run lasts."""

import gc

from auditor.collector import leave_out_now, older_left_out


def test_objects_are_left_out_until_the_outermost_block_ends_and_collected_after():
    assert gc.get_freeze_count() == 0
    with older_left_out():
        assert gc.get_freeze_count() > 0
        cycle: list = []
        cycle.append(cycle)
        leave_out_now()
        frozen = gc.get_freeze_count()
        with older_left_out():   # the report written inside a run
            pass
        assert gc.get_freeze_count() >= frozen   # the inner block's end gives nothing back early
        del cycle
    assert gc.get_freeze_count() == 0
    assert gc.collect() >= 1   # the cycle made inside, now garbage, is collected after the run


def test_outside_a_block_nothing_is_left_out():
    leave_out_now()
    assert gc.get_freeze_count() == 0


def test_a_failing_run_gives_every_object_back():
    @older_left_out()
    def run():
        raise ValueError("bad input")

    try:
        run()
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0
