# test_beyond_superqt.py: what the Python override adds to superqt's API:
# progress=, yield_policy= and intrusive_cancel=.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import threading
import warnings

import pytest
from gi.repository import Tw

from conftest import MAIN_THREAD, Recorder, on_main_thread, run_until


# -- progress= ---------------------------------------------------------------

def test_progress_total_advances_per_yield_and_desc_sets_the_text():
    total = 4
    observed = {k: threading.Event() for k in range(1, total + 1)}

    @Tw.thread_worker(progress={'total': total, 'desc': 'Counting'})
    def count():
        for i in range(total):
            yield i
            # Set no new progress until the main thread has seen this one.
            assert observed[i + 1].wait(30), 'progress %d/%d never arrived' % (i + 1, total)

    worker = count()
    rec = Recorder(worker)
    seen = []
    notify_threads = []

    def on_notify(w, pspec):
        notify_threads.append(on_main_thread())
        value = w.props.progress
        seen.append(value)
        k = round(value * total)
        if k in observed and value == k / total:
            observed[k].set()

    worker.connect('notify::progress', on_notify)
    worker.start()
    rec.wait_finished()

    assert rec.log == 'SYYYYRF'
    assert [v for v in seen if v > 0] == [k / total for k in range(1, total + 1)]
    assert worker.props.progress == 1.0
    assert worker.props.progress_text == 'Counting'
    assert notify_threads and all(notify_threads)


def test_progress_without_total_is_indeterminate_until_the_end():
    # Made before the work begins: `warned` may arrive before the work
    # returns from warn(), so the work cannot be the one to make it.
    release = threading.Event()

    def work():
        warnings.warn('running')
        return release.wait(30)

    worker = Tw.create_worker(work, _progress=True)
    rec = Recorder(worker)
    worker.start()
    run_until(lambda: rec.count('warned'), 'the work to begin')
    run_until(lambda: worker.props.progress < 0, 'indeterminate progress')
    release.set()
    rec.wait_finished()
    assert rec.values('returned') == [True]
    assert worker.props.progress == 1.0


def test_bad_progress_raises_type_error():
    with pytest.raises(TypeError):
        Tw.create_worker(lambda: 0, _progress={'totl': 3})
    with pytest.raises(TypeError):
        Tw.create_worker(lambda: 0, _progress={'total': 'many'})
    with pytest.raises(TypeError):
        Tw.create_worker(lambda: 0, _progress=3)


# -- yield_policy= -------------------------------------------------------------

def test_yield_policy_accepts_enum_and_names():
    def gen():
        yield 0

    assert Tw.create_worker(gen, _yield_policy='latest').get_yield_policy() == Tw.YieldPolicy.LATEST
    assert Tw.create_worker(gen, _yield_policy=Tw.YieldPolicy.QUEUE).get_yield_policy() == Tw.YieldPolicy.QUEUE
    assert Tw.create_worker(gen).get_yield_policy() == Tw.YieldPolicy.QUEUE
    with pytest.raises(ValueError):
        Tw.create_worker(gen, _yield_policy='newest')


def test_latest_policy_coalesces_and_delivers_the_last_value():
    n = 10000
    produced_all = threading.Event()

    @Tw.thread_worker(yield_policy='latest')
    def flood():
        for i in range(n):
            yield i
        produced_all.set()

    worker = flood()
    rec = Recorder(worker)

    held = []

    def on_first(value):
        # Hold the main thread while the producer runs to its end: with
        # LATEST it never blocks, and only the newest value waits.
        if not held:
            held.append(value)
            assert produced_all.wait(30), 'the producer blocked'

    worker.yielded.connect(on_first)
    worker.start()
    rec.wait_finished()

    got = rec.values()
    assert got[0] == held[0] and got[-1] == n - 1
    assert got == sorted(set(got))
    assert len(got) < 10
    assert rec.log.endswith('RF')


# -- intrusive_cancel= -------------------------------------------------------------

def test_intrusive_cancel_stops_python_code_that_never_yields():
    traced = []

    @Tw.thread_worker(intrusive_cancel=True)
    def spin():
        traced.append((sys.gettrace(), threading.current_thread()))
        warnings.warn('spinning')
        n = 0
        while True:
            try:
                n += 1
            except Exception:          # must not catch the cancellation
                pass

    worker = spin()
    rec = Recorder(worker)
    worker.warned.connect(lambda w: worker.quit())
    worker.start()
    rec.wait_finished()

    assert rec.log == 'SWAF'
    assert traced[0][0] is None                 # no tracer was installed
    assert traced[0][1] is not MAIN_THREAD
    assert worker.get_state() == Tw.WorkerState.ABORTED


def test_intrusive_cancel_reaches_generators_between_yields():
    @Tw.thread_worker(intrusive_cancel=True)
    def slow():
        yield 'first'
        while True:
            pass

    worker = slow()
    rec = Recorder(worker)
    worker.yielded.connect(lambda v: worker.quit())
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SYAF'


def test_intrusive_cancel_follows_quit_from_c_pool_quit_all():
    @Tw.thread_worker(intrusive_cancel=True)
    def spin():
        warnings.warn('spinning')
        while True:
            pass

    worker = spin()
    rec = Recorder(worker)
    worker.warned.connect(lambda w: Tw.Pool.get_default().quit_all())
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SWAF'


def test_intrusive_cancel_racing_the_end_never_leaks_into_the_thread():
    # Quit lands anywhere: before the work, inside it, or as it returns.
    # Each run ends aborted, and the cancellation never escapes into the
    # next work the pool thread runs.
    outcomes = []
    for i in range(40):
        def short(k=i):
            return sum(range(k * 50))

        worker = Tw.create_worker(short, _intrusive_cancel=True)
        rec = Recorder(worker)
        if i % 2:
            worker.started.connect(worker.quit)   # quit once the run has begun
            worker.start()
        else:
            worker.start()
            worker.quit()                          # quit before it begins
        rec.wait_finished()
        outcomes.append(rec.log)

        after = Tw.create_worker(lambda k=i: k * 2)
        rec_after = Recorder(after)
        after.start()
        rec_after.wait_finished()
        assert rec_after.values('returned') == [i * 2]

    assert set(outcomes) == {'SAF'}


def test_without_intrusive_cancel_quit_waits_for_the_function():
    release = threading.Event()
    finished_work = []

    def stubborn():
        warnings.warn('running')
        release.wait(30)
        finished_work.append(True)
        return 'late'

    worker = Tw.create_worker(stubborn)
    rec = Recorder(worker)
    worker.warned.connect(lambda w: (worker.quit(), release.set()))
    worker.start()
    rec.wait_finished()
    assert finished_work == [True]        # the function ran to its end
    assert rec.log == 'SWAF'              # but the run still ends aborted
