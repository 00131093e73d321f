# test_edge_cases.py: what a hostile but fair user of the Python override
# runs into (issue 17): no error is lost whatever the exception does, a run
# that returns nothing reaches its handlers as None, warnings stay with the
# work that catches them, custom signals run on the owner thread, and
# values waiting for delivery are bounded in bytes.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import warnings

import pytest
from gi.repository import GObject, Tw

from conftest import Recorder, on_main_thread, run_until


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


BAD_EXCEPTIONS = [StrFails, StrAndReprFail, StrNotAString]


def _terminal(rec):
    return [e[0] for e in rec.events if e[0] in ('returned', 'errored', 'aborted')]


@pytest.mark.parametrize('exc_type', BAD_EXCEPTIONS)
def test_an_exception_whose_str_fails_reaches_errored(exc_type):
    def work():
        raise exc_type()

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
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
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SYEF'
    assert isinstance(rec.values('errored')[0], exc_type)


@pytest.mark.parametrize('exc_type', BAD_EXCEPTIONS)
def test_a_subclass_emitting_errored_with_an_exception_whose_str_fails(exc_type):
    class Emitting(Tw.WorkerBase):
        def work(self):
            self.errored.emit(exc_type())

    worker = Emitting()
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
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
    # A value whose type check raises while the override wraps it.
    class Hostile:
        @property
        def __class__(self):
            raise RuntimeError('__class__ fails')

    def work():
        return Hostile()

    worker = Tw.create_worker(work, _start_thread=False, _ignore_errors=True)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert _terminal(rec) == ["errored"]
    assert isinstance(rec.values("errored")[0], RuntimeError)


def test_a_subclass_emitting_returned_with_a_value_that_cannot_be_wrapped_errors():
    class Hostile:
        @property
        def __class__(self):
            raise RuntimeError('__class__ fails')

    class Emitting(Tw.WorkerBase):
        def work(self):
            self.returned.emit(Hostile())

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
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.values('returned') == [['recorded']]
    assert [str(w[0]) for w in rec.values('warned')] == ['shown']


def test_pytest_warns_works_inside_the_work():
    def work():
        with pytest.warns(DeprecationWarning, match='old'):
            warnings.warn('old API', DeprecationWarning)
        return 'checked'

    worker = Tw.create_worker(work, _start_thread=False)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
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
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SYYRF'
    assert rec.values('returned') == [['between yields']]


def test_warnings_filtered_by_the_work_are_not_reported():
    def work():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            warnings.warn('ignored')
        warnings.warn('shown')

    worker = Tw.create_worker(work, _start_thread=False)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
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
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SRF'
    assert got == [(None, True)]
    assert rec.values('returned') == [None]


def test_an_override_worker_returning_nothing_gives_none():
    def work():
        yield 1

    worker = Tw.create_worker(work, _start_thread=False)
    got = []
    GObject.Object.connect(worker, 'returned', lambda w, value: got.append(value))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SYRF'
    assert got == [None] and rec.values('returned') == [None]
