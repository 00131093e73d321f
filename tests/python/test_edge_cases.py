# test_edge_cases.py: what a hostile but fair user of the Python override
# runs into (issue 17): no error is lost whatever the exception does, a run
# that returns nothing reaches its handlers as None, warnings stay with the
# work that catches them, custom signals run on the owner thread, and
# values waiting for delivery are bounded in bytes.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import threading
import warnings

import pytest
from gi.repository import GObject, Tw

from conftest import Recorder, on_main_thread, run_to_end, run_until


# -- 1. no error is lost -----------------------------------------------------

class StrFails(Exception):
    def __str__(self):
        raise AttributeError('typo in __str__')


class StrAndReprFail(Exception):
    def __str__(self):
        raise AttributeError('typo in __str__')

    def __repr__(self):
        raise AttributeError('typo in __repr__')


class StrNotAString(Exception):
    def __str__(self):
        return 42


class StrNotUtf8(Exception):
    def __str__(self):
        return 'a lone surrogate: \udc80'


BAD_EXCEPTIONS = [StrFails, StrAndReprFail, StrNotAString, StrNotUtf8]


class _Hostile:
    """A value whose type check raises while the override wraps it."""
    @property
    def __class__(self):
        raise RuntimeError('__class__ fails')


def _terminal(rec):
    return [e[0] for e in rec.events if e[0] in ('returned', 'errored', 'aborted')]


@pytest.mark.parametrize('exc_type', BAD_EXCEPTIONS)
def test_an_exception_whose_str_fails_reaches_errored(exc_type):
    def work():
        raise exc_type()

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = run_to_end(worker)
    assert _terminal(rec) == ['errored']
    assert isinstance(rec.values('errored')[0], exc_type)
    assert worker.get_state() == Tw.WorkerState.ERRORED
    assert worker.get_error().message.startswith(exc_type.__name__)


@pytest.mark.parametrize('exc_type', BAD_EXCEPTIONS)
def test_a_generator_raising_an_exception_whose_str_fails_reaches_errored(exc_type):
    def work():
        yield 1
        raise exc_type()

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = run_to_end(worker)
    assert rec.log == 'SYEF'
    assert isinstance(rec.values('errored')[0], exc_type)


@pytest.mark.parametrize('exc_type', BAD_EXCEPTIONS)
def test_a_subclass_emitting_errored_with_an_exception_whose_str_fails(exc_type):
    class Emitting(Tw.WorkerBase):
        def work(self):
            self.errored.emit(exc_type())

    worker = Emitting()
    rec = run_to_end(worker)
    assert _terminal(rec) == ['errored']
    assert isinstance(rec.values('errored')[0], exc_type)


def test_a_synchronous_run_of_an_exception_whose_str_fails_reaches_errored():
    class Failing(Tw.WorkerBase):
        def work(self):
            raise StrAndReprFail()

    worker = Failing()
    rec = Recorder(worker)
    worker.run()
    assert rec.log == 'SEF'
    assert isinstance(rec.values('errored')[0], StrAndReprFail)


def test_a_result_that_cannot_be_reported_ends_the_run_with_errored():
    def work():
        return _Hostile()

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = run_to_end(worker)
    assert _terminal(rec) == ["errored"]
    assert isinstance(rec.values("errored")[0], RuntimeError)


def test_a_subclass_emitting_returned_with_a_value_that_cannot_be_wrapped_errors():
    class Emitting(Tw.WorkerBase):
        def work(self):
            self.returned.emit(_Hostile())

    worker = Emitting()
    rec = Recorder(worker)
    worker.errored.connect(lambda exc: None)
    worker.start()
    rec.wait_finished()
    assert _terminal(rec) == ['errored']
    assert isinstance(rec.values('errored')[0], RuntimeError)


# -- 3. every warned slot gets the real tuple --------------------------------

def test_every_warned_slot_gets_the_same_real_showwarning_tuple():
    first, second = [], []

    def work():
        warnings.warn('mind the gap')
        warnings.warn('and the step')

    worker = Tw.create_worker(work, _connect={'warned': [first.append, second.append]})
    rec = Recorder(worker)
    rec.wait_finished()

    assert [str(w[0]) for w in first] == ['mind the gap', 'and the step']
    assert second == first
    for message, category, filename, lineno, _file, _line in first:
        assert category is UserWarning and filename == __file__ and lineno > 0


# -- 4. warnings the work catches stay with it -------------------------------

def test_warnings_recorded_by_the_work_stay_with_the_work():
    def work():
        with warnings.catch_warnings(record=True) as log:
            warnings.simplefilter('always')
            warnings.warn('recorded')
        warnings.warn('shown')
        return [str(w.message) for w in log]

    worker = Tw.create_worker(work, _start_thread=False)
    rec = run_to_end(worker)
    assert rec.values('returned') == [['recorded']]
    assert [str(w[0]) for w in rec.values('warned')] == ['shown']


def test_pytest_warns_works_inside_the_work():
    def work():
        with pytest.warns(DeprecationWarning, match='old'):
            warnings.warn('old API', DeprecationWarning)
        return 'checked'

    worker = Tw.create_worker(work, _start_thread=False)
    rec = run_to_end(worker)
    assert rec.log == 'SRF'
    assert rec.values('returned') == ['checked']


def test_a_generator_recording_warnings_across_its_yields_keeps_them():
    def work():
        with warnings.catch_warnings(record=True) as log:
            warnings.simplefilter('always')
            yield 1
            warnings.warn('between yields')
            yield 2
        return [str(w.message) for w in log]

    worker = Tw.create_worker(work, _start_thread=False)
    rec = run_to_end(worker)
    assert rec.log == 'SYYRF'
    assert rec.values('returned') == [['between yields']]


def test_a_warning_whose_text_is_not_utf8_still_arrives():
    def work():
        warnings.warn('bad \udc80 byte')
        return 'ok'

    worker = Tw.create_worker(work, _start_thread=False)
    rec = run_to_end(worker)
    assert rec.log == 'SWRF'
    assert str(rec.values('warned')[0][0]) == 'bad \udc80 byte'


def test_warnings_filtered_by_the_work_are_not_reported():
    def work():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            warnings.warn('ignored')
        warnings.warn('shown')

    worker = Tw.create_worker(work, _start_thread=False)
    rec = run_to_end(worker)
    assert [str(w[0]) for w in rec.values('warned')] == ['shown']


# -- 5. nothing kept for a warned nobody listens to --------------------------

def test_warnings_are_not_kept_when_no_warned_slot_is_connected():
    import gc
    import weakref

    class Tracked(UserWarning):
        pass

    n = 2000
    refs = []
    warned_all = threading.Event()
    release = threading.Event()

    def work():
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            for i in range(n):
                w = Tracked('warning %d' % i)
                refs.append(weakref.ref(w))
                warnings.warn(w)
                del w
        warned_all.set()
        assert release.wait(30), 'the test never released the work'

    worker = Tw.create_worker(work, _start_thread=False)
    finished = []
    worker.finished.connect(lambda: finished.append(True))
    worker.start()
    assert warned_all.wait(30)
    gc.collect()
    alive = sum(1 for r in refs if r() is not None)
    release.set()
    run_until(lambda: finished, 'the run to finish')
    assert alive == 0, '%d of %d warnings kept during the run' % (alive, n)


# -- 2. a run that returns nothing reaches the handlers as None ------------

def _stop_at_once(worker, sent, data=None):
    return False


def _return_nothing(worker, data=None):
    pass


@pytest.mark.parametrize('make', [
    lambda: Tw.GeneratorWorker.new(_stop_at_once, None),
    lambda: Tw.FunctionWorker.new(_return_nothing, None),
], ids=['generator', 'function'])
def test_a_c_worker_returning_nothing_gives_none_to_gobject_handlers(make):
    worker = make()
    got = []
    GObject.Object.connect(worker, 'returned',
                           lambda w, value: got.append((value, on_main_thread())))
    rec = run_to_end(worker)
    assert rec.log == 'SRF'
    assert got == [(None, True)]
    assert rec.values('returned') == [None]


def test_an_override_worker_returning_nothing_gives_none():
    def work():
        yield 1

    worker = Tw.create_worker(work, _start_thread=False)
    got = []
    GObject.Object.connect(worker, 'returned', lambda w, value: got.append(value))
    rec = run_to_end(worker)
    assert rec.log == 'SYRF'
    assert got == [None] and rec.values('returned') == [None]


# -- 6. custom signals, on the owner thread ----------------------------------

class GSignalsCounter(Tw.WorkerBase):
    __gsignals__ = {'counted': (GObject.SignalFlags.RUN_FIRST, None, (int, str))}

    def __init__(self, n):
        super().__init__()
        self.n = n

    def work(self):
        for i in range(self.n):
            self.yielded.emit(i)
            self.emit('counted', i, 'n%d' % i)
        return 'done'


def test_gsignals_emitted_from_work_run_their_handlers_on_the_owner_thread_in_order():
    worker = GSignalsCounter(3)
    rec = Recorder(worker)
    counted = []

    def on_counted(w, i, text):
        counted.append((i, text, on_main_thread()))
        rec.events.append(('counted', i))

    worker.connect('counted', on_counted)
    worker.start()
    rec.wait_finished()
    assert counted == [(0, 'n0', True), (1, 'n1', True), (2, 'n2', True)]
    order = [e[0][0] + str(e[1]) for e in rec.events if e[0] in ('yielded', 'counted')]
    assert order == ['y0', 'c0', 'y1', 'c1', 'y2', 'c2']
    assert rec.values('returned') == ['done']


class CounterSignals:
    # superqt's shape: a class whose attributes declare the signals; the
    # worker's own signals may be listed too.
    started = Tw.Signal()
    counted = Tw.Signal(int)
    labelled = Tw.Signal(int, str)


class SignalsClassCounter(Tw.WorkerBase):
    def __init__(self, n):
        super().__init__(SignalsClass=CounterSignals)
        self.n = n

    def work(self):
        for i in range(self.n):
            self.counted.emit(i)
            self.yielded.emit(i)
            self.labelled.emit(i, 'label %d' % i)


def test_superqt_signals_class_signals_are_attributes_delivered_on_the_owner_thread():
    worker = SignalsClassCounter(3)
    rec = Recorder(worker)
    got = []
    worker.counted.connect(lambda i: got.append(('c', i, on_main_thread())))
    worker.labelled.connect(lambda i, text: got.append(('l', text, on_main_thread())))
    worker.labelled.connect(lambda: got.append(('no-args',)))   # PyQt-style: fewer args
    worker.yielded.connect(lambda v: got.append(('y', v, on_main_thread())))
    worker.start()
    rec.wait_finished()
    assert got == [x for i in range(3) for x in (
        ('c', i, True), ('y', i, True), ('l', 'label %d' % i, True), ('no-args',))]
    with pytest.raises(AttributeError):
        worker.not_declared


def test_signals_class_works_with_function_workers_and_synchronous_runs():
    def work():
        return 1

    worker = Tw.FunctionWorker(work, SignalsClass=CounterSignals)
    got = []
    worker.counted.connect(got.append)
    worker.counted.emit(5)             # on the owner thread: at once
    assert got == [5]
    worker.counted.disconnect(got.append)
    worker.counted.emit(6)
    assert got == [5]

    sync = SignalsClassCounter(2)
    seen = []
    sync.counted.connect(seen.append)
    sync.run()                         # synchronous: emitted in this thread
    assert seen == [0, 1]


def _run_counting_ahead(worker, signal, produced, ends='F'):
    """Runs @worker to its end (its log ending in @ends), collecting what
    @signal delivers; returns (delivered, ahead): ahead[i] is how many values
    the work had produced (produced[0], counted by the work) beyond the i+1
    delivered when the i-th arrived."""
    delivered, ahead = [], []

    def on_value(value):
        delivered.append(value)
        ahead.append(produced[0] - len(delivered))

    signal.connect(on_value)
    rec = run_to_end(worker)
    assert rec.log.endswith(ends)
    return delivered, ahead


def test_custom_signals_have_backpressure_like_a_yield():
    n, limit = 200, 4
    emitted = [0]

    class Flood(Tw.WorkerBase):
        def __init__(self):
            super().__init__(SignalsClass=CounterSignals)

        def work(self):
            for i in range(n):
                self.counted.emit(i)
                emitted[0] += 1

    worker = Flood()
    worker.set_yield_policy(Tw.YieldPolicy.LATEST)   # emissions are never coalesced
    worker.set_max_pending_yields(limit)
    delivered, ahead = _run_counting_ahead(worker, worker.counted, emitted)
    assert delivered == list(range(n))
    # The work is held at its emission once `limit` wait for the main thread.
    assert max(ahead) <= limit


def test_a_generator_yielding_a_value_that_cannot_be_wrapped_errors():
    # LATEST wraps each value in a GValue for the C library's slot: the
    # wrapping fails, and the run errors with that exception.
    hostile = _Hostile()

    def work():
        yield hostile

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True,
                              _yield_policy='latest')
    rec = run_to_end(worker)
    assert rec.log == 'SEF'
    assert isinstance(rec.values('errored')[0], RuntimeError)


def test_a_batched_value_that_cannot_be_wrapped_arrives_unchanged():
    # QUEUE batches Python values without wrapping them (doc/python.md,
    # "Where values wait"): the same object reaches the slot.
    hostile = _Hostile()

    def work():
        yield hostile

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = run_to_end(worker)
    assert rec.log == 'SYRF'
    assert rec.values()[0] is hostile


# -- 7. values waiting for delivery are bounded in bytes ---------------------

MIB = 1024 * 1024


def _stream_ahead(make_value, n, budget):
    """Yields n values of make_value() under a byte budget; returns how far
    the generator ever got ahead of the main thread."""
    produced = [0]

    def work():
        for _ in range(n):
            yield make_value()
            produced[0] += 1

    worker = Tw.create_worker(work, _start_thread=False)
    assert worker.props.max_pending_bytes == 32 * MIB
    worker.props.max_pending_bytes = budget
    delivered, ahead = _run_counting_ahead(worker, worker.yielded, produced, 'RF')
    assert len(delivered) == n
    return max(ahead)


def test_numpy_frames_are_bounded_in_bytes():
    np = pytest.importorskip('numpy')
    frame = np.zeros((512, 512))          # 2 MiB of float64
    assert _stream_ahead(lambda: frame, 64, 8 * MIB) <= 4


@pytest.mark.parametrize('make', [
    lambda: bytes(MIB),
    lambda: bytearray(MIB),
    lambda: memoryview(bytes(MIB)),
    lambda: __import__('array').array('b', bytes(MIB)),   # the buffer protocol
], ids=['bytes', 'bytearray', 'memoryview', 'buffer'])
def test_buffers_are_bounded_in_bytes(make):
    assert _stream_ahead(make, 32, 2 * MIB) <= 2


def test_the_default_budget_keeps_a_512x512_float64_stream_under_64_mib():
    np = pytest.importorskip('numpy')
    frame = np.zeros((512, 512))
    worker = Tw.create_worker(lambda: None, _start_thread=False)
    budget = worker.props.max_pending_bytes
    # Waiting frames, plus the one being made and the one being handled.
    assert (budget // frame.nbytes + 2) * frame.nbytes <= 64 * MIB


def test_a_function_worker_restarted_after_an_error_starts_clean(monkeypatch):
    # A function worker connects the override's own handlers only when a
    # run needs them (the error report, the reset at `finished`): the first
    # error of a worker, a restart and a second error behave as if they
    # were connected from the start, and the error is not kept after the
    # run that raised it.
    hooked = []
    monkeypatch.setattr(sys, 'excepthook',
                        lambda t, e, tb: hooked.append((e, on_main_thread())))
    outcomes = iter([KeyError('first'), 'fine', ValueError('second')])

    def work():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    worker = Tw.create_worker(work)
    rec = Recorder(worker)
    for n, letters in enumerate(('SEF', 'SEFSRF', 'SEFSRFSEF'), 1):
        worker.start()
        rec.wait_finished(n)
        assert rec.log == letters
        assert worker.__dict__['_tw_state'].error is None   # reset at `finished`
    assert [e.args[0] for e in rec.values('errored')] == ['first', 'second']
    assert hooked == []   # `errored` has a slot: nothing for the excepthook

    quiet = Tw.create_worker(work_that_fails, _start_thread=True)
    run_until(lambda: hooked, 'the excepthook')
    run_until(lambda: not quiet.is_running, 'the run to end')
    (exc, main), = hooked
    assert isinstance(exc, LookupError) and main


def work_that_fails():
    raise LookupError('nobody handles it')
