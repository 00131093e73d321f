# test_blocking.py: Tw.sleep(), Tw.wait() and Tw.cancellable(): work blocked
# in a sleep, an Event, a Queue, a Future, a socket, a pipe or a child
# process stops at once when its worker is quit.
#
# No test sleeps to synchronise: the override calls _blocking_hook on the
# worker thread just before a wait blocks, and the tests act from there. A
# wait that never wakes fails at the conftest deadline.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import collections
import concurrent.futures
import os
import queue
import signal
import socket
import subprocess
import threading
import warnings

import pytest
import gi.overrides.Tw as override
from gi.repository import Gio, GLib, Tw

from conftest import DEADLINE_MS, Recorder, on_main_thread, run_to_end, run_until


@pytest.fixture
def when_blocked(monkeypatch):
    """when_blocked(action): action() runs on the main thread once a wait
    in a worker is about to block (once per time it blocks).
    when_blocked.count is how many times a wait blocked."""
    actions = []
    wrong_thread = []

    def on_main(action):
        if not on_main_thread():
            wrong_thread.append(action)
        action()
        return GLib.SOURCE_REMOVE

    def hook():
        hook.count += 1
        for action in actions:
            GLib.idle_add(on_main, action)

    hook.count = 0

    def register(action):
        actions.append(action)

    register.hook = hook
    monkeypatch.setattr(override, '_blocking_hook', hook)
    yield register
    assert wrong_thread == []


def blocked_count(when_blocked):
    return when_blocked.hook.count


# -- the waitables -----------------------------------------------------------

class Case:
    """One kind of waitable: make() gives a fresh one and what the work
    calls on it; ready() makes it ready from the main thread; expected is
    what the wait returns then; close() frees what make() opened."""

    def __init__(self):
        self.opened = []

    def close(self):
        for thing in self.opened:
            if isinstance(thing, subprocess.Popen):
                if thing.poll() is None:
                    thing.kill()
                    thing.wait()
                for pipe in (thing.stdin, thing.stdout):
                    if pipe is not None:
                        pipe.close()
            elif isinstance(thing, int):
                os.close(thing)
            else:
                thing.close()


class SleepCase(Case):
    def make(self):
        return lambda timeout=None: Tw.sleep(3600 if timeout is None else timeout)


class EventCase(Case):
    expected = True

    def make(self):
        self.event = threading.Event()
        return lambda timeout=None: Tw.wait(self.event, timeout)

    def ready(self):
        self.event.set()


class QueueCase(Case):
    expected = 'item'

    def make(self):
        self.queue = queue.Queue()
        return lambda timeout=None: Tw.wait(self.queue, timeout)

    def ready(self):
        self.queue.put('item')


class FutureCase(Case):
    expected = 42

    def make(self):
        self.future = concurrent.futures.Future()
        return lambda timeout=None: Tw.wait(self.future, timeout)

    def ready(self):
        self.future.set_result(42)


class SocketCase(Case):
    def make(self):
        self.ours, self.theirs = socket.socketpair()
        self.opened += [self.ours, self.theirs]
        self.expected = self.ours
        return lambda timeout=None: Tw.wait(self.ours, timeout)

    def ready(self):
        self.theirs.send(b'x')


class FdCase(Case):
    def make(self):
        self.read_fd, self.write_fd = os.pipe()
        self.opened += [self.read_fd, self.write_fd]
        self.expected = self.read_fd
        return lambda timeout=None: Tw.wait(self.read_fd, timeout)

    def ready(self):
        os.write(self.write_fd, b'x')


class PopenCase(Case):
    expected = 3

    def make(self):
        # Exits 3 once a line arrives on its stdin.
        self.proc = subprocess.Popen(['sh', '-c', 'read line; exit 3'],
                                     stdin=subprocess.PIPE)
        self.opened.append(self.proc)
        return lambda timeout=None: Tw.wait(self.proc, timeout)

    def ready(self):
        self.proc.stdin.write(b'go\n')
        self.proc.stdin.flush()


CASES = dict(sleep=SleepCase, event=EventCase, queue=QueueCase, future=FutureCase,
             socket=SocketCase, fd=FdCase, popen=PopenCase)
READY_CASES = [name for name in CASES if name != 'sleep']


@pytest.fixture(params=list(CASES))
def case(request):
    made = CASES[request.param]()
    yield made
    made.close()


@pytest.fixture(params=READY_CASES)
def ready_case(request):
    made = CASES[request.param]()
    yield made
    made.close()


def blocked_worker(block, outcome, **kwargs):
    """A function worker that blocks in block() and records how that ended."""
    def work():
        try:
            result = block()
        except BaseException as exc:
            outcome.append(type(exc))
            raise
        outcome.append(result)
        return result

    return Tw.create_worker(work, **kwargs)


def run_blocked(worker, when_blocked, action):
    """Runs @worker to its end, calling action() on the main thread once the
    work blocks in a wait; returns the worker's Recorder."""
    rec = Recorder(worker)
    when_blocked(action)
    worker.start()
    rec.wait_finished()
    return rec


# -- quit while blocked ------------------------------------------------------

def test_quit_while_blocked_aborts_at_once(case, when_blocked):
    outcome = []
    worker = blocked_worker(case.make(), outcome)
    rec = run_blocked(worker, when_blocked, worker.quit)
    assert blocked_count(when_blocked) >= 1
    assert outcome == [Tw.WorkerCancelled]
    assert rec.log == 'SAF'
    assert worker.get_state() == Tw.WorkerState.ABORTED


def test_quit_while_blocked_terminates_the_child_and_reaps_it(when_blocked):
    made = PopenCase()
    try:
        block = made.make()
        outcome = []
        worker = blocked_worker(block, outcome)
        rec = run_blocked(worker, when_blocked, worker.quit)
        assert rec.log == 'SAF'
        assert made.proc.returncode == -signal.SIGTERM   # reaped before the raise
    finally:
        made.close()


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace(when_blocked):
    # The child ignores SIGTERM, says so, and becomes `sleep`.
    proc = subprocess.Popen(['sh', '-c', "trap '' TERM; echo ready; exec sleep 3600"],
                            stdout=subprocess.PIPE)
    try:
        def block():
            assert proc.stdout.readline() == b'ready\n'
            return Tw.wait(proc, grace=0.05)

        outcome = []
        worker = blocked_worker(block, outcome)
        rec = run_blocked(worker, when_blocked, worker.quit)
        assert rec.log == 'SAF'
        assert outcome == [Tw.WorkerCancelled]
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_quit_while_blocked_in_a_generator_step(when_blocked):
    waited = queue.Queue()

    @Tw.thread_worker
    def gen():
        yield 'before'
        yield Tw.wait(waited)

    worker = gen()
    rec = run_blocked(worker, when_blocked, worker.quit)
    assert rec.log == 'SYAF'
    assert rec.values() == ['before']


def test_quit_while_blocked_in_a_worker_class(when_blocked):
    class Blocked(Tw.WorkerBase):
        def work(self):
            return Tw.wait(concurrent.futures.Future())

    worker = Blocked()
    rec = run_blocked(worker, when_blocked, worker.quit)
    assert rec.log == 'SAF'


def test_quit_before_the_wait_raises_at_once():
    # The run is quit before the work reaches its wait: no wait blocks.
    reached = []

    def work():
        warnings.warn('about to wait')
        gate.wait(DEADLINE_MS / 1000)
        reached.append(True)
        Tw.wait(threading.Event())

    gate = threading.Event()
    worker = Tw.create_worker(work)
    rec = Recorder(worker)
    worker.warned.connect(lambda w: (worker.quit(), gate.set()))
    worker.start()
    rec.wait_finished()
    assert reached == [True]
    assert rec.log == 'SWAF'


# -- no quit: the waits return what the plain calls return -------------------

def test_each_waitable_returns_normally_when_ready(ready_case, when_blocked):
    outcome = []
    worker = blocked_worker(ready_case.make(), outcome)
    rec = run_blocked(worker, when_blocked, ready_case.ready)
    assert blocked_count(when_blocked) >= 1
    assert outcome == [ready_case.expected]
    assert rec.log == 'SRF'
    assert rec.values('returned') == [ready_case.expected]


def test_sleep_returns_after_the_time():
    worker = Tw.create_worker(lambda: Tw.sleep(0.01) or 'slept')
    rec = run_to_end(worker)
    assert rec.log == 'SRF'
    assert rec.values('returned') == ['slept']


def test_a_failed_future_raises_its_exception(when_blocked):
    future = concurrent.futures.Future()
    worker = Tw.create_worker(lambda: Tw.wait(future))
    rec = run_blocked(worker, when_blocked, lambda: future.set_exception(KeyError('missing')))
    assert rec.log == 'SEF'
    assert isinstance(rec.values('errored')[0], KeyError)


def test_a_queue_shared_with_plain_getters_loses_no_item(monkeypatch):
    # A plain get() in another thread and Tw.wait() in a worker wait on one
    # queue; the item is put as the worker is quit. Whichever is woken, the
    # item reaches one of them.
    for i in range(10):
        shared = queue.Queue()
        plain = []
        getter = threading.Thread(target=lambda: plain.append(shared.get(timeout=30)))
        getter.start()
        outcome = []
        worker = blocked_worker(lambda: Tw.wait(shared), outcome)
        rec = Recorder(worker)

        def put_and_quit(k=i, w=worker):
            shared.put(k)
            w.quit()
            return GLib.SOURCE_REMOVE

        monkeypatch.setattr(override, '_blocking_hook',
                            lambda f=put_and_quit: GLib.idle_add(f))
        worker.start()
        rec.wait_finished()
        if i in outcome:       # the worker took it just before the quit
            shared.put('release')
        getter.join(30)
        assert not getter.is_alive()
        assert sorted(map(str, plain + [o for o in outcome if o == i])) == [str(i)]
        assert rec.log == 'SAF'


def test_quitting_a_wait_wakes_no_other_waiter_of_the_event(when_blocked):
    # A plain Event.wait() in another thread parks on the event's condition
    # (its waiter list tells when); a worker's Tw.wait() on the same event
    # is quit. A notify of the condition would have taken the plain
    # waiter's lock off the list (and made its wait() return True).
    event = threading.Event()

    class Watched(collections.deque):
        def append(self, waiter):
            super().append(waiter)
            self.appended.set()

    watched = Watched()
    watched.appended = threading.Event()
    event._cond._waiters = watched
    plain = []
    thread = threading.Thread(target=lambda: plain.append(event.wait(DEADLINE_MS / 1000)))
    thread.start()
    assert watched.appended.wait(DEADLINE_MS / 1000)
    plain_waiter = watched[0]

    outcome = []
    worker = blocked_worker(lambda: Tw.wait(event), outcome)
    rec = run_blocked(worker, when_blocked, worker.quit)
    assert rec.log == 'SAF'
    assert list(watched) == [plain_waiter]     # still parked
    assert plain == []
    event.set()
    thread.join(DEADLINE_MS / 1000)
    assert plain == [True]


# -- pause -------------------------------------------------------------------

def test_pause_lets_the_wait_finish_then_pauses_at_the_next_yield(when_blocked):
    items = queue.Queue()

    @Tw.thread_worker
    def gen():
        yield Tw.wait(items)
        yield 'second'
        return 'done'

    worker = gen()
    rec = Recorder(worker)
    when_blocked(lambda: (worker.pause(), items.put('first')))
    worker.start()
    run_until(lambda: rec.count('paused'), 'the worker to pause')
    assert rec.log == 'SYP'
    assert rec.values() == ['first']
    worker.resume()
    rec.wait_finished()
    assert rec.log == 'SYPUYRF'
    assert rec.values() == ['first', 'second']


# -- timeouts ----------------------------------------------------------------

def test_timeouts_raise_timeout_error(ready_case):
    block = ready_case.make()

    def work():
        try:
            block(timeout=0.01)
        except TimeoutError:
            return 'timed out'
        return 'no timeout'

    worker = Tw.create_worker(work)
    rec = run_to_end(worker)
    assert rec.values('returned') == ['timed out']


def test_outside_a_worker_the_waits_are_the_plain_calls(ready_case):
    block = ready_case.make()
    assert Tw.cancellable() is None
    with pytest.raises(TimeoutError):
        block(timeout=0.01)
    ready_case.ready()
    assert block(timeout=DEADLINE_MS / 1000) == ready_case.expected
    Tw.sleep(0.001)


def test_synchronous_run_waits_like_the_plain_call():
    seen = []

    done = threading.Event()
    done.set()

    def work():
        seen.append(Tw.cancellable())
        Tw.sleep(0.001)
        return Tw.wait(done, timeout=DEADLINE_MS / 1000) and 'ran'

    worker = Tw.create_worker(work, _start_thread=False)
    rec = Recorder(worker)
    worker.run()
    assert seen == [None]
    assert rec.values('returned') == ['ran']


def test_wait_refuses_what_it_cannot_wait_for():
    with pytest.raises(TypeError):
        Tw.wait(object())
    with pytest.raises(TypeError):
        Tw.wait(queue.SimpleQueue())
    closed, other = socket.socketpair()
    closed.close()
    other.close()
    with pytest.raises(ValueError):
        Tw.wait(closed)


# -- Tw.cancellable() --------------------------------------------------------

def test_cancellable_is_the_runs_and_quit_cancels_blocking_gio_calls():
    read_fd, write_fd = os.pipe()
    seen = []

    def work():
        run_cancellable = Tw.cancellable()
        seen.append(run_cancellable is worker.get_cancellable())
        seen.append(run_cancellable.is_cancelled())
        warnings.warn('reading')
        stream = Gio.UnixInputStream.new(read_fd, False)
        try:
            stream.read_bytes(1, run_cancellable)
        except GLib.Error as error:
            seen.append(error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
            raise

    worker = Tw.create_worker(work)
    rec = Recorder(worker)
    worker.warned.connect(lambda w: worker.quit())
    try:
        worker.start()
        rec.wait_finished()
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert seen == [True, False, True]
    assert rec.log == 'SWAF'


# -- intrusive_cancel=True ---------------------------------------------------

def test_intrusive_work_blocked_in_a_wait_aborts_and_runs_its_finally(case, when_blocked):
    block = case.make()
    cleaned = []

    @Tw.thread_worker(intrusive_cancel=True)
    def work():
        try:
            block()
        finally:
            cleaned.append('cleaned')

    worker = work()
    rec = run_blocked(worker, when_blocked, worker.quit)
    assert rec.log == 'SAF'
    assert cleaned == ['cleaned']


def test_intrusive_cancel_still_reaches_the_work_after_a_wait(when_blocked):
    event = threading.Event()

    @Tw.thread_worker(intrusive_cancel=True)
    def work():
        assert Tw.wait(event) is True
        warnings.warn('spinning')
        while True:
            pass

    worker = work()
    rec = Recorder(worker)
    when_blocked(event.set)
    worker.warned.connect(lambda w: worker.quit())
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SWAF'


# -- every way of quitting ---------------------------------------------------

def test_restart_interrupts_a_blocked_worker(when_blocked):
    runs = []

    def work():
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            Tw.sleep(3600)
        return len(runs)

    worker = Tw.create_worker(work)
    rec = Recorder(worker)
    when_blocked(worker.restart)
    worker.start()
    rec.wait_finished(2)
    assert rec.log == 'SAFSRF'
    assert rec.values('returned') == [2]


def test_await_workers_interrupts_blocked_workers(when_blocked):
    blocked = []
    when_blocked(lambda: blocked.append(True))
    workers = [blocked_worker(lambda: Tw.wait(queue.Queue()), []),
               blocked_worker(lambda: Tw.sleep(3600), [])]
    recs = [Recorder(w) for w in workers]
    for w in workers:
        w.start()
    run_until(lambda: len(blocked) >= 2, 'both workers to block')
    Tw.await_workers(DEADLINE_MS)
    for rec in recs:
        rec.wait_finished()
        assert rec.log == 'SAF'


# -- nothing left behind -----------------------------------------------------

def _fds():
    return len(os.listdir('/proc/self/fd'))


def _threads():
    return len(os.listdir('/proc/self/task'))


def test_no_fd_or_thread_is_left_after_many_runs(monkeypatch):
    def round_of_runs():
        for name, make in CASES.items():
            for intrusive in (False, True):
                made = make()
                try:
                    outcome = []
                    worker = blocked_worker(made.make(), outcome,
                                            _intrusive_cancel=intrusive)
                    rec = Recorder(worker)
                    monkeypatch.setattr(
                        override, '_blocking_hook',
                        lambda w=worker: GLib.idle_add(lambda: (w.quit(), GLib.SOURCE_REMOVE)[1]))
                    worker.start()
                    rec.wait_finished()
                    assert rec.log == 'SAF', name
                finally:
                    made.close()

    round_of_runs()      # the pool's threads and GLib's own fds exist now
    fds, threads = _fds(), _threads()
    for _ in range(15):
        round_of_runs()
    assert _fds() == fds
    assert _threads() <= threads


def test_without_pidfd_a_child_is_waited_for_by_a_thread_that_ends(monkeypatch, when_blocked):
    # Kernels (and systems) without pidfd_open(): a thread reaps the child
    # and closes a pipe; quit still terminates it and nothing is left.
    refused = []

    def no_pidfd(pid, flags=0):
        refused.append(pid)
        raise OSError(38, 'Function not implemented')

    monkeypatch.setattr(os, 'pidfd_open', no_pidfd)
    warm_up = Tw.create_worker(lambda: None)   # the pool's first fds
    rec = Recorder(warm_up)
    warm_up.start()
    rec.wait_finished()
    fds = _fds()
    for quit_it in (True, False, True, False):
        made = PopenCase()
        try:
            outcome = []
            worker = blocked_worker(made.make(), outcome)
            rec = Recorder(worker)
            when_blocked.hook.count = 0
            action = worker.quit if quit_it else made.ready
            monkeypatch.setattr(override, '_blocking_hook',
                                lambda a=action: GLib.idle_add(lambda: (a(), GLib.SOURCE_REMOVE)[1]))
            worker.start()
            rec.wait_finished()
            if quit_it:
                assert rec.log == 'SAF'
                assert made.proc.returncode == -signal.SIGTERM
            else:
                assert rec.log == 'SRF'
                assert outcome == [3]
        finally:
            made.close()
    reapers = [t for t in threading.enumerate() if t.name == 'Tw.wait child reaper']
    for thread in reapers:
        thread.join(DEADLINE_MS / 1000)
    assert not any(t.is_alive() for t in reapers)
    assert len(refused) == 4          # every wait took the fallback
    assert _fds() == fds
