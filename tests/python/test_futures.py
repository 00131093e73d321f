# test_futures.py: Tw.future_worker() and Tw.as_completed_worker() over
# concurrent.futures, with thread and process pools (test_futures_dask.py
# does the same on a dask.distributed cluster).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import concurrent.futures
import os
import subprocess
import sys
import threading

import pytest
from gi.repository import GLib, Tw

from conftest import DEADLINE_MS, Recorder, run_quitting_at_start, run_until

DEADLINE_S = DEADLINE_MS / 1000


class Refused(ValueError):
    pass


def refuse(x):
    raise Refused('no %s' % x)


def square(x):
    return x * x


@pytest.fixture(scope='module')
def threads():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        yield executor


@pytest.fixture(scope='module')
def processes():
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        yield executor


def drain_main_context():
    """Dispatches everything that is already pending on the main context."""
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)


def gated(threads, n):
    """n futures of a thread pool; future i returns i once gates[i] is set."""
    gates = [threading.Event() for _ in range(n)]

    def job(i):
        assert gates[i].wait(DEADLINE_S), 'gate %d never opened' % i
        return i

    return gates, [threads.submit(job, i) for i in range(n)]


def test_future_worker_returns_the_result_on_the_main_thread(threads):
    worker = Tw.future_worker(threads.submit(square, 7))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SRF'
    assert rec.values('returned') == [49]


def test_future_worker_connect_starts_it(threads):
    got = []
    worker = Tw.future_worker(threads.submit(square, 3), connect={'returned': got.append})
    run_until(lambda: not worker.is_running and got, 'the result')
    assert got == [9]


def test_future_worker_error_is_the_same_exception_with_its_traceback(threads):
    worker = Tw.future_worker(threads.submit(refuse, 'entry'))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SEF'
    exc = rec.values('errored')[0]
    assert type(exc) is Refused and str(exc) == 'no entry'
    names = [frame.name for frame in __import__('traceback').extract_tb(exc.__traceback__)]
    assert 'refuse' in names


def test_future_worker_quit_cancels_a_future_that_has_not_started():
    with concurrent.futures.ThreadPoolExecutor(1) as one:
        busy = threading.Event()
        blocker = one.submit(busy.wait, DEADLINE_S)
        waiting = one.submit(square, 2)
        worker = Tw.future_worker(waiting)
        run_quitting_at_start(worker)
        busy.set()
    assert waiting.cancelled()
    assert blocker.result() is True


def test_future_worker_quit_does_not_wait_for_running_work(threads):
    release = threading.Event()
    running = threading.Event()

    def job():
        running.set()
        return release.wait(DEADLINE_S)

    future = threads.submit(job)
    assert running.wait(DEADLINE_S)
    worker = Tw.future_worker(future)
    run_quitting_at_start(worker)
    assert not future.done()      # a running thread cannot be stopped...
    release.set()
    assert future.result(DEADLINE_S) is True   # ...and its result is dropped


def test_as_completed_yields_in_completion_order_with_progress(threads):
    order = [2, 0, 3, 1]
    gates, futures = gated(threads, 4)
    worker = Tw.as_completed_worker(futures, with_index=True)
    rec = Recorder(worker)
    progress = []
    worker.connect('notify::progress', lambda w, p: progress.append(w.props.progress))

    def next_gate(value):
        index, result = value
        assert index == result
        got = len(rec.values())
        if got < len(order):
            gates[order[got]].set()

    worker.yielded.connect(next_gate)
    worker.start()
    gates[order[0]].set()
    rec.wait_finished()
    assert rec.log == 'SYYYYRF'
    assert rec.values() == [(i, i) for i in order]
    # Progress notifications coalesce: they count up, in quarters, to 1.
    assert progress == sorted(set(progress)) and progress[-1] == 1.0
    assert set(progress) <= {0.25, 0.5, 0.75, 1.0}


def test_as_completed_error_arrives_and_cancels_the_rest():
    # Futures made by hand, so that which of them is running is certain: a
    # pool's thread could take a queued one between the error and the cancel.
    failing = concurrent.futures.Future()
    running = concurrent.futures.Future()
    assert running.set_running_or_notify_cancel()   # running: cannot be cancelled
    rest = [concurrent.futures.Future() for _ in range(3)]
    worker = Tw.as_completed_worker([failing, running] + rest)
    rec = Recorder(worker)
    worker.start()
    failing.set_exception(Refused('way'))
    rec.wait_finished()
    running.set_result(True)
    assert rec.log == 'SEF'
    assert type(rec.values('errored')[0]) is Refused
    assert all(f.cancelled() for f in rest)
    assert running.result() is True


def test_as_completed_quit_cancels_what_is_not_done():
    with concurrent.futures.ThreadPoolExecutor(1) as one:
        gate = threading.Event()
        first = one.submit(gate.wait, DEADLINE_S)
        rest = [one.submit(square, i) for i in range(3)]
        worker = Tw.as_completed_worker([first] + rest)
        run_quitting_at_start(worker)
        gate.set()
    assert all(f.cancelled() for f in rest)


def test_pause_holds_results_until_resume(threads):
    gates, futures = gated(threads, 3)
    worker = Tw.as_completed_worker(futures)
    rec = Recorder(worker)
    worker.started.connect(worker.pause)
    worker.start()
    # pause() wakes the waiting thread: it pauses before any future is done.
    run_until(lambda: rec.count('paused'), 'paused')
    for gate in gates:
        gate.set()
    concurrent.futures.wait(futures, DEADLINE_S)
    # Every future is done and its callback has run; the worker thread is
    # held at its checkpoint, so nothing can be pending for the main loop.
    drain_main_context()
    assert rec.log == 'SP'
    assert worker.is_paused and worker.props.progress == 0.0
    worker.resume()
    rec.wait_finished()
    assert rec.log == 'SPUYYYRF'
    assert sorted(rec.values()) == [0, 1, 2]


def test_future_worker_pause_holds_the_result_until_resume():
    future = concurrent.futures.Future()
    worker = Tw.future_worker(future)
    rec = Recorder(worker)
    worker.started.connect(worker.pause)
    worker.start()
    run_until(lambda: rec.count('paused'), 'paused')
    future.set_result('held')       # runs the done callback here, at once
    drain_main_context()
    assert rec.log == 'SP'
    worker.resume()
    rec.wait_finished()
    assert rec.log == 'SPURF' and rec.values('returned') == ['held']


def test_empty_as_completed_returns_with_full_progress():
    worker = Tw.as_completed_worker([])
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SRF' and worker.props.progress == 1.0


def test_not_a_future_raises_type_error():
    with pytest.raises(TypeError):
        Tw.future_worker(42)
    with pytest.raises(TypeError):
        Tw.as_completed_worker([concurrent.futures.Future(), 'x'])


def test_process_pool_results_and_remote_exception_type(processes):
    futures = [processes.submit(square, i) for i in range(6)]
    worker = Tw.as_completed_worker(futures)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'S' + 'Y' * 6 + 'RF'
    assert sorted(rec.values()) == [i * i for i in range(6)]

    worker = Tw.future_worker(processes.submit(refuse, 'pickles'))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    exc = rec.values('errored')[0]
    assert type(exc) is Refused and str(exc) == 'no pickles'
    # The child's traceback comes as the exception's cause.
    assert 'refuse' in str(exc.__cause__)


def test_concurrent_futures_do_not_import_dask():
    code = ('import sys, concurrent.futures as cf\n'
            'import gi; gi.require_version("Tw", "1.0")\n'
            'from gi.repository import GLib, Tw\n'
            'f = cf.Future(); w = Tw.future_worker(f, connect={"returned": print})\n'
            'f.set_result("ok")\n'
            'ctx = GLib.MainContext.default()\n'
            'while w.is_running: ctx.iteration(True)\n'
            'print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=DEADLINE_S, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split('\n')[:2] == ['ok', '[]']
