# test_batches.py: the contract at the boundaries of the batches in which
# the override hands a Python generator's values to the C library: order,
# once-only delivery, backpressure, LATEST, quit/pause/send between yields,
# errors after values, other handlers and the synchronous work().
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading

import pytest
from gi.repository import GLib, GObject, Tw

from conftest import DEADLINE_MS, Recorder, on_main_thread, run_until

import gi.overrides.Tw as override


@pytest.fixture
def batches(monkeypatch):
    """The sizes of the batches the owner took, in order (proves that a
    test crossed batch boundaries)."""
    sizes = []
    take = override._Flow.take
    take_more = override._Flow.take_more

    def counted(flow):
        upto = take(flow)
        if upto > flow.delivered:
            sizes.append(upto - flow.delivered)
        return upto

    def counted_more(flow, *args, **kwargs):
        upto = take_more(flow, *args, **kwargs)
        if upto is not None:
            sizes.append(upto - flow.delivered)
        return upto

    monkeypatch.setattr(override._Flow, 'take', counted)
    monkeypatch.setattr(override._Flow, 'take_more', counted_more)
    return sizes


@Tw.thread_worker
def count_to(n):
    """Yields 0 to n - 1."""
    for i in range(n):
        yield i


def wait_for(predicate, what):
    """Waits on the main thread, without running the loop, for a condition
    that another thread makes true; fails after the deadline."""
    event = threading.Event()
    for _ in range(DEADLINE_MS):
        if predicate():
            return
        event.wait(0.001)
    pytest.fail('timed out waiting for ' + what)


def slow_slot(every=50):
    """A handler that is slower than the generator, so that values pile up
    into batches: it lets the generator run for a moment every @every
    values."""
    count = [0]

    def slot(value):
        count[0] += 1
        if count[0] % every == 0:
            threading.Event().wait(0.0005)
    return slot


def test_every_value_once_in_order_across_batches(batches):
    @Tw.thread_worker
    def count(n):
        for i in range(n):
            yield i
        return 'done'

    worker = count(20000)
    rec = Recorder(worker)
    worker.yielded.connect(slow_slot())
    worker.start()
    rec.wait_finished()

    assert rec.values() == list(range(20000))
    assert rec.log == 'S' + 'Y' * 20000 + 'RF'
    assert sum(batches) == 20000
    assert max(batches) > 1, 'no value was batched'
    assert max(batches) <= (worker.get_max_pending_yields() + 1) // 2


def test_python_objects_arrive_unchanged():
    sent = [object() for _ in range(3000)]

    @Tw.thread_worker
    def objects():
        yield from sent

    worker = objects()
    got = []
    worker.yielded.connect(got.append)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert len(got) == len(sent) and all(a is b for a, b in zip(got, sent))


def held_at_the_first_value(n, limit=None):
    """Runs a generator of @n ints whose first value's handler holds the
    main thread until the generator waits for room. Returns the recorder,
    (values produced, values undelivered) when it waited, and the run's
    flow."""
    produced = [0]
    flows = []
    seen = []

    @Tw.thread_worker
    def fast():
        for i in range(n):
            produced[0] += 1
            yield i

    worker = fast()
    if limit is not None:
        worker.set_max_pending_yields(limit)
    rec = Recorder(worker)

    def on_first(value):
        if value != 0:
            return
        # The main thread is held here: the generator may produce what the
        # queue takes, then waits.
        flow = override._state(worker).spec.flow
        flows.append(flow)
        wait_for(lambda: flow.waiting, 'the generator to wait')
        seen.append((produced[0], flow.appended - flow.delivered))

    worker.yielded.connect(on_first)
    worker.start()
    rec.wait_finished()
    assert rec.values() == list(range(n))
    return rec, seen, flows[0]


def test_a_producer_far_ahead_blocks_with_bounded_values_waiting():
    rec, seen, flow = held_at_the_first_value(10000, limit=8)
    # Value 0 in delivery, the limit in hand, none beyond.
    assert seen and seen[0][0] <= 1 + 8
    assert flow.cap == 4


def test_a_python_generator_waits_at_its_own_default_limit():
    # Python generator workers default to PYTHON_MAX_PENDING_YIELDS (fewer
    # GIL hand-overs in a flood); C workers, and Python function workers,
    # keep C's 256; a limit set by the caller wins.
    @Tw.thread_worker
    def gen():
        yield 1

    assert gen().get_max_pending_yields() == Tw.PYTHON_MAX_PENDING_YIELDS == 1024
    assert Tw.create_worker(lambda: 1).get_max_pending_yields() == 256
    other = gen()
    other.set_max_pending_yields(8)
    assert other.get_max_pending_yields() == 8

    rec, seen, flow = held_at_the_first_value(5000)
    # Value 0 in delivery, the limit undelivered, none beyond: bounded.
    assert seen and 1024 <= seen[0][0] <= 1 + 1024
    assert flow.limit == 1024
    assert rec.wrong_thread == []


def test_latest_coalesces_and_ends_with_the_last_value(batches):
    finished_producing = threading.Event()

    @Tw.thread_worker(yield_policy='latest')
    def count(n):
        for i in range(n):
            yield i
        finished_producing.set()

    worker = count(5000)
    rec = Recorder(worker)

    def on_yielded(value):
        if rec.count('yielded') == 1:
            # LATEST never blocks the generator: it ends while we are here.
            assert finished_producing.wait(30)

    worker.yielded.connect(on_yielded)
    worker.start()
    rec.wait_finished()

    values = rec.values()
    assert values[-1] == 4999
    assert values == sorted(set(values)) and len(values) < 5000
    assert batches == []   # LATEST hands over every value on its own


def test_quit_in_the_middle_of_a_batch_advances_the_generator_no_further(batches):
    produced = [0]
    at_quit = []

    @Tw.thread_worker
    def forever():
        i = 0
        while True:
            produced[0] += 1
            yield i
            i += 1

    worker = forever()
    rec = Recorder(worker)

    def on_yielded(value):
        if value == 3000 and not at_quit:
            worker.quit()
            at_quit.append(produced[0])

    worker.yielded.connect(slow_slot())
    worker.yielded.connect(on_yielded)
    worker.start()
    rec.wait_finished()

    values = rec.values()
    assert values == list(range(len(values)))
    assert rec.log.endswith('AF') and 'R' not in rec.log
    # After quit() the generator finishes at most the yield in progress;
    # nothing it yields after the quit point is delivered.
    assert produced[0] <= at_quit[0] + 1
    assert len(values) <= at_quit[0]
    assert max(batches) > 1


def test_pause_in_the_middle_of_a_batch_stops_the_generator(batches):
    produced = [0]

    @Tw.thread_worker
    def count(n):
        for i in range(n):
            produced[0] += 1
            yield i

    worker = count(20000)
    rec = Recorder(worker)
    state = {}

    def on_yielded(value):
        if value == 5000:
            worker.pause()

    def on_paused():
        state['yielded'] = rec.count('yielded')
        state['produced'] = produced[0]
        # A few loop turns: nothing is delivered or produced meanwhile.
        turns = [0]

        def turn():
            turns[0] += 1
            if turns[0] < 5:
                return True
            state['still'] = (rec.count('yielded'), produced[0])
            worker.resume()
            return False

        GLib.timeout_add(10, turn)

    worker.yielded.connect(slow_slot())
    worker.yielded.connect(on_yielded)
    worker.paused.connect(on_paused)
    worker.start()
    rec.wait_finished()

    assert rec.values() == list(range(20000))
    assert state['still'] == (state['yielded'], state['produced'])
    log = rec.log
    assert log.count('P') == 1 and log.count('U') == 1
    assert log.index('P') > 5000 + 1 and log.index('U') == log.index('P') + 1
    assert max(batches) > 1


def test_each_sent_value_reaches_one_later_yield_in_order():
    received = []

    @Tw.thread_worker
    def echo(n):
        for i in range(n):
            got = yield i
            if got is not None:
                received.append((i, got))

    worker = echo(20000)
    rec = Recorder(worker)
    sent = []

    def on_yielded(value):
        if value < 500:
            worker.send(('sent', value))
            sent.append((value, ('sent', value)))

    worker.yielded.connect(slow_slot())
    worker.yielded.connect(on_yielded)
    worker.start()
    rec.wait_finished()

    assert [got for _, got in received] == [s for _, s in sent]
    # Each one reached a yield after the one whose handler sent it.
    assert all(at >= when for (at, _), (when, _) in zip(received, sent))


def test_an_exception_after_values_arrives_after_all_of_them():
    raised = []

    class Failed(Exception):
        pass

    @Tw.thread_worker
    def failing():
        for i in range(5000):
            yield i
        exc = Failed('after 5000')
        raised.append(exc)
        raise exc

    worker = failing()
    rec = Recorder(worker)
    worker.yielded.connect(slow_slot())
    worker.start()
    rec.wait_finished()

    assert rec.values() == list(range(5000))
    assert rec.log == 'S' + 'Y' * 5000 + 'EF'
    assert rec.values('errored')[0] is raised[0]


def test_warnings_between_values_keep_their_place(batches):
    import warnings

    @Tw.thread_worker
    def count(n):
        for i in range(n):
            if i % 1000 == 999:
                warnings.warn('after %d' % i)
            yield i

    worker = count(10000)
    rec = Recorder(worker)
    worker.yielded.connect(slow_slot())
    worker.start()
    rec.wait_finished()

    order = [e[1] if e[0] == 'yielded' else str(e[1][0]) for e in rec.events
             if e[0] in ('yielded', 'warned')]
    expected = []
    for i in range(10000):
        if i % 1000 == 999:
            expected.append('after %d' % i)
        expected.append(i)
    assert order == expected
    assert max(batches) > 1


def test_other_handlers_see_each_value_never_a_batch(batches):
    worker = count_to(5000)
    rec = Recorder(worker)
    plain = []

    def on_yielded_gobject(w, value):
        assert on_main_thread()
        plain.append(value.get_value() if isinstance(value, GObject.Value) else value)

    worker.yielded.connect(slow_slot())
    GObject.Object.connect(worker, 'yielded', on_yielded_gobject)
    worker.start()
    rec.wait_finished()

    assert plain == list(range(5000))
    assert rec.values() == list(range(5000))
    assert max(batches) > 1


def test_get_value_gives_the_last_value_not_a_batch():
    worker = count_to(3000)
    rec = Recorder(worker)
    last = []
    worker.yielded.connect(lambda v: last.append(worker.get_value()))
    worker.start()
    rec.wait_finished()
    assert last == list(range(3000))


def test_synchronous_work_emits_paused_and_resumed_like_superqt():
    @Tw.thread_worker(start_thread=False)
    def count(n):
        for i in range(n):
            yield i
        return 'end'

    worker = count(6)
    rec = Recorder(worker)

    def on_yielded(value):
        if value == 2:
            worker.pause()
            # Something else resumes it: the main context runs while paused.
            GLib.idle_add(lambda: worker.resume() and False)

    def on_paused():
        assert worker.is_paused

    worker.yielded.connect(on_yielded)
    worker.paused.connect(on_paused)
    assert worker.work() == 'end'
    assert rec.log == 'YYYPUYYY'
    assert rec.values() == list(range(6))
    assert not worker.is_paused


def test_synchronous_work_quit_while_paused_aborts():
    @Tw.thread_worker(start_thread=False)
    def forever():
        while True:
            yield 0

    worker = forever()
    rec = Recorder(worker)

    def on_yielded(value):
        if rec.count('yielded') == 2:
            worker.pause()
            GLib.idle_add(lambda: worker.quit() and False)

    worker.yielded.connect(on_yielded)
    worker.run()
    assert rec.log == 'SYYPAF'


def test_a_slot_that_raises_inside_a_batch_gets_every_later_value(monkeypatch, batches):
    import sys
    hooked = []
    monkeypatch.setattr(sys, 'excepthook', lambda *a: hooked.append(a[0]))

    worker = count_to(5000)
    got = []

    slow = slow_slot()

    def slot(value):
        got.append(value)
        slow(value)
        if value % 1000 == 500:
            raise RuntimeError('slot failed')

    worker.yielded.connect(slot)             # the only slot: the fast path
    done = []
    worker.finished.connect(lambda: done.append(True))
    worker.start()
    run_until(lambda: done, 'finished')

    assert got == list(range(5000))
    assert hooked == [RuntimeError] * 5
    assert max(batches) > 1


def test_a_flood_producer_uses_the_whole_limit_and_batches_stay_at_half(batches):
    # The generator runs until max-pending-yields values are undelivered
    # (under the GIL a producer that stopped at half would hand the GIL
    # over twice as often); the owner still takes at most half of them
    # at a time.
    rec, seen, flow = held_at_the_first_value(2000, limit=8)
    assert rec.log == 'S' + 'Y' * 2000 + 'RF'
    # Value 0 in delivery counts as undelivered: 8 in all, none beyond.
    assert seen == [(8, 8)]
    assert flow.cap == 4 and max(batches) <= 4
    assert sum(batches) == 2000


def test_a_pause_with_more_than_half_the_limit_queued_hands_it_over_in_halves(batches):
    # The pause comes while the generator waits with the whole limit
    # undelivered: what it hands over before the pause goes in markers of
    # at most half the limit, all before `paused`.
    @Tw.thread_worker
    def fast():
        for i in range(40):
            yield i

    worker = fast()
    worker.set_max_pending_yields(8)
    rec = Recorder(worker)

    def on_first(value):
        if value != 0:
            return
        flow = override._state(worker).spec.flow
        wait_for(lambda: flow.waiting, 'the generator to wait')
        worker.pause()

    def on_paused():
        assert on_main_thread() and worker.is_paused
        worker.resume()

    worker.yielded.connect(on_first)
    worker.paused.connect(on_paused)
    worker.start()
    rec.wait_finished()

    assert rec.values() == list(range(40))
    assert rec.log == 'S' + 'Y' * 8 + 'PU' + 'Y' * 32 + 'RF'
    assert max(batches) <= 4
