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
