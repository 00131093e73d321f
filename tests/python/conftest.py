# conftest.py: what every Python test shares: the Tw bindings, a main loop
# that is run with a deadline, a recorder that logs each signal with the
# thread it ran on, and a check that no test leaves a worker running.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading

import gi
gi.require_version('Tw', '1.0')
from gi.repository import GLib, Tw  # noqa: E402

import pytest  # noqa: E402

# No test waits longer than this for anything; a hang fails the test.
DEADLINE_MS = 30000

MAIN_THREAD = threading.main_thread()


def on_main_thread():
    return threading.current_thread() is MAIN_THREAD


def run_until(predicate, what='the condition', deadline_ms=DEADLINE_MS):
    """Iterates the default main context until predicate() holds. A GLib
    timeout fails the test after deadline_ms. The loop sleeps between
    events: what the predicate reads must change on the main thread (in a
    handler or a GLib.idle_add() callback), not on a worker thread."""
    context = GLib.MainContext.default()
    expired = []

    def on_deadline():
        expired.append(True)
        return GLib.SOURCE_REMOVE

    source = GLib.timeout_add(deadline_ms, on_deadline)
    try:
        while not predicate():
            if expired:
                pytest.fail('timed out after %d ms waiting for %s' % (deadline_ms, what))
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(source)


class Recorder:
    """Connects to every signal of a worker through the superqt-style
    attributes; records (signal, args) and whether each handler ran on the
    main thread."""

    SIGNALS = ('started', 'yielded', 'returned', 'errored', 'warned',
               'paused', 'resumed', 'aborted', 'finished')
    LETTERS = dict(started='S', yielded='Y', returned='R', errored='E', warned='W',
                   paused='P', resumed='U', aborted='A', finished='F')

    def __init__(self, worker):
        self.worker = worker
        self.events = []
        self.wrong_thread = []
        for name in self.SIGNALS:
            getattr(worker, name).connect(self._slot(name))

    def _slot(self, name):
        def slot(*args):
            if not on_main_thread():
                self.wrong_thread.append(name)
            self.events.append((name,) + args)
        return slot

    @property
    def log(self):
        return ''.join(self.LETTERS[e[0]] for e in self.events)

    def values(self, name='yielded'):
        return [e[1] for e in self.events if e[0] == name]

    def count(self, name):
        return sum(1 for e in self.events if e[0] == name)

    def wait_finished(self, n=1):
        run_until(lambda: self.count('finished') >= n, '%d finished signal(s)' % n)
        assert self.wrong_thread == [], 'handlers ran off the main thread: %s' % self.wrong_thread


@pytest.fixture
def record():
    return Recorder


@pytest.fixture(autouse=True)
def every_handler_runs_on_the_main_thread(monkeypatch):
    """Every slot connected through the superqt-style signal attributes, in
    any test, is checked to run on the main thread: the override's
    dispatch functions (its signal adapter, and the two that call the
    slots of `yielded`, per value of a batch) are wrapped for the test."""
    import gi.overrides.Tw as override
    handler = override._handler
    call_slots = override._call_slots
    call_one = override._call_one
    wrong = []

    def checked(worker, *args):
        if not on_main_thread():
            wrong.append((args[-1][0], threading.current_thread().name))
        return handler(worker, *args)

    def checked_slots(slots, value):
        if not on_main_thread():
            wrong.append(('yielded', threading.current_thread().name))
        return call_slots(slots, value)

    def checked_one(state, slot, popleft, n):
        if not on_main_thread():
            wrong.append(('yielded', threading.current_thread().name))
        return call_one(state, slot, popleft, n)

    monkeypatch.setattr(override, '_handler', checked)
    monkeypatch.setattr(override, '_call_one', checked_one)
    monkeypatch.setattr(override, '_call_slots', checked_slots)
    yield
    assert wrong == [], 'handlers ran off the main thread: %s' % wrong


@pytest.fixture(autouse=True)
def no_worker_left_running():
    """Every test ends with no live worker in the default pool."""
    yield
    pool = Tw.Pool.get_default()
    if pool.get_n_items() == 0:
        return
    names = [pool.get_item(i).get_name() for i in range(pool.get_n_items())]
    Tw.await_workers(DEADLINE_MS)
    pytest.fail('the test left workers running: %s' % ', '.join(names))
