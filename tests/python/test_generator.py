# test_generator.py: generator workers from Python: order, send, return,
# pause/resume/quit, restart, and the synchronous work()/run().
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading

import pytest
from gi.repository import GLib, Tw

from conftest import MAIN_THREAD, Recorder, on_main_thread, run_until


def test_yields_arrive_in_order_and_return_gives_returned():
    threads = set()

    @Tw.thread_worker
    def count(n):
        for i in range(n):
            threads.add(threading.current_thread())
            yield i
        return 'done'

    worker = count(1000)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()

    assert rec.values() == list(range(1000))
    assert rec.log == 'S' + 'Y' * 1000 + 'RF'
    assert rec.values('returned') == ['done']
    assert MAIN_THREAD not in threads and len(threads) == 1


def test_incoming_yield_receives_sent_values():
    # napari's multiplier: pause on each yield, send, resume.
    @Tw.thread_worker
    def multiplier():
        total = 1
        while True:
            new = yield total
            total *= new if new is not None else 1
            if total == 0:
                return 'Game Over!'

    worker = multiplier()
    rec = Recorder(worker)
    to_send = [2, 3, 0]

    def on_yielded(value):
        worker.pause()

    def on_paused():
        # Values yielded before the pause took effect may ask for another
        # pause after the last value was sent.
        if to_send:
            worker.send(to_send.pop(0))
        worker.resume()

    worker.yielded.connect(on_yielded)
    worker.paused.connect(on_paused)
    worker.start()
    rec.wait_finished()

    # The generator runs ahead of the pause (yielding its total again while
    # nothing was sent); every product it reached is yielded, in order.
    distinct = [v for i, v in enumerate(rec.values()) if i == 0 or v != rec.values()[i - 1]]
    assert distinct == [1, 2, 6]
    assert rec.values('returned') == ['Game Over!']
    assert to_send == []


def test_sent_values_are_queued_not_overwritten():
    got = []

    def collect():
        while len(got) < 3:
            incoming = yield len(got)
            if incoming is not None:
                got.append(incoming)
        return list(got)

    worker = Tw.create_worker(collect)
    rec = Recorder(worker)
    # Pause before it starts: the values are all sent before any step.
    worker.started.connect(lambda: (worker.pause(), [worker.send(v) for v in 'abc'], worker.resume()))
    worker.start()
    rec.wait_finished()
    assert rec.values('returned') == [['a', 'b', 'c']]


def test_send_to_function_worker_raises():
    release = threading.Event()
    worker = Tw.create_worker(lambda: release.wait(30))
    rec = Recorder(worker)
    worker.start()
    with pytest.raises(GLib.Error) as info:
        worker.send(1)
    assert info.value.matches(Tw.worker_error_quark(), Tw.WorkerError.NOT_SUPPORTED)
    release.set()
    rec.wait_finished()


def test_pause_resume_and_toggle_pause():
    @Tw.thread_worker
    def forever():
        i = 0
        while True:
            yield i
            i += 1

    worker = forever()
    rec = Recorder(worker)
    states = []
    worker.paused.connect(lambda: states.append(('paused', worker.is_paused)))
    worker.resumed.connect(lambda: states.append(('resumed', worker.is_paused)))
    worker.start()

    run_until(lambda: rec.count('yielded') >= 3, 'three values')
    worker.pause()
    run_until(lambda: rec.count('paused') == 1, 'paused')
    assert worker.is_paused
    n = rec.count('yielded')
    # Paused: nothing more is produced (give the loop a few turns).
    spins = [0]
    GLib.timeout_add(20, lambda: spins.__setitem__(0, spins[0] + 1) or spins[0] < 5)
    run_until(lambda: spins[0] >= 5, 'a few loop turns')
    assert rec.count('yielded') == n

    worker.toggle_pause()      # resumes
    run_until(lambda: rec.count('resumed') == 1, 'resumed')
    run_until(lambda: rec.count('yielded') > n, 'more values')
    worker.toggle_pause()      # pauses again
    run_until(lambda: rec.count('paused') == 2, 'paused again')
    worker.quit()
    rec.wait_finished()

    assert states[:2] == [('paused', True), ('resumed', False)]
    assert rec.log.endswith('AF')
    assert 'R' not in rec.log


def test_quit_ends_with_aborted_and_sets_abort_requested():
    seen_abort = []

    @Tw.thread_worker
    def forever():
        while True:
            yield 0

    worker = forever()
    rec = Recorder(worker)
    worker.aborted.connect(lambda: seen_abort.append(worker.abort_requested))
    worker.start()
    run_until(lambda: rec.count('yielded') > 0, 'a value')
    assert not worker.abort_requested
    worker.quit()
    assert worker.abort_requested
    rec.wait_finished()
    assert rec.log.startswith('SY') and rec.log.endswith('AF')
    assert 'R' not in rec.log and 'E' not in rec.log
    assert seen_abort == [True]


def test_a_new_run_gets_a_new_generator():
    @Tw.thread_worker
    def three():
        for i in range(3):
            yield i
        return 'end'

    worker = three()
    rec = Recorder(worker)
    worker.finished.connect(lambda: rec.count('finished') < 2 and worker.start())
    worker.start()
    rec.wait_finished(2)
    assert rec.values() == [0, 1, 2, 0, 1, 2]
    assert rec.log == 'SYYYRF' * 2


def test_restart_after_quit_begins_again():
    @Tw.thread_worker
    def forever():
        i = 0
        while True:
            yield i
            i += 1

    worker = forever()
    rec = Recorder(worker)
    worker.start()
    run_until(lambda: rec.count('yielded') >= 5, 'five values')
    worker.restart()

    def second_run_values():
        if rec.count('started') < 2:
            return []
        second = [i for i, e in enumerate(rec.events) if e[0] == 'started'][1]
        return [e[1] for e in rec.events[second:] if e[0] == 'yielded']

    run_until(lambda: second_run_values(), 'a value of the second run')
    assert second_run_values()[0] == 0
    first_run = rec.log[:rec.log.index('F') + 1]
    assert first_run.startswith('SY') and first_run.endswith('AF')
    worker.quit()
    rec.wait_finished(2)


def test_work_runs_synchronously_in_the_calling_thread():
    threads = []

    def gen(n):
        for i in range(n):
            threads.append(threading.current_thread())
            incoming = yield i
            if incoming == 'stop':
                return 'stopped'
        return 'all'

    worker = Tw.GeneratorWorker(gen, 5)
    got = []
    worker.yielded.connect(lambda v: (got.append((v, on_main_thread())), v == 2 and worker.send('stop')))
    assert worker.work() == 'stopped'
    assert got == [(0, True), (1, True), (2, True)]
    assert threads == [MAIN_THREAD] * 3

    function = Tw.FunctionWorker(lambda a, b: (a * b, threading.current_thread()), 6, b=7)
    value, thread = function.work()
    assert value == 42 and thread is MAIN_THREAD


def test_work_stops_at_quit_with_aborted():
    def gen():
        i = 0
        while True:
            yield i
            i += 1

    worker = Tw.GeneratorWorker(gen)
    rec = Recorder(worker)
    worker.yielded.connect(lambda v: v == 3 and worker.quit())
    assert worker.work() is None
    assert rec.values() == [0, 1, 2, 3]
    assert rec.log == 'YYYYA'
    assert rec.wrong_thread == []


def test_run_emits_every_signal_in_the_calling_thread():
    import warnings

    def gen():
        warnings.warn('sync warning')
        yield 'a'
        return 'b'

    worker = Tw.GeneratorWorker(gen)
    rec = Recorder(worker)
    worker.run()
    assert rec.log == 'SWYRF'
    assert rec.values() == ['a'] and rec.values('returned') == ['b']
    assert str(rec.values('warned')[0][0]) == 'sync warning'
    assert rec.wrong_thread == []

    def fail():
        raise ValueError('sync')

    failing = Tw.FunctionWorker(fail)
    rec = Recorder(failing)
    failing.run()
    assert rec.log == 'SEF'
    assert isinstance(rec.values('errored')[0], ValueError)
    assert failing.get_state() == Tw.WorkerState.IDLE   # no threaded run happened
