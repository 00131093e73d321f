# test_superqt_api.py: the superqt/napari entry points of the Python
# override: thread_worker, create_worker, connect=, worker_class=, errors.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import threading

import pytest
from gi.repository import GLib, Tw

from conftest import MAIN_THREAD, Recorder, on_main_thread, run_until


def test_names_of_the_superqt_api_exist():
    assert Tw.WorkerBase is Tw.Worker
    assert issubclass(Tw.FunctionWorker, Tw.WorkerBase)
    assert issubclass(Tw.GeneratorWorker, Tw.WorkerBase)
    for name in ('thread_worker', 'create_worker', 'await_workers'):
        assert callable(getattr(Tw, name))
    assert issubclass(Tw.WorkerCancelled, BaseException)
    assert not issubclass(Tw.WorkerCancelled, Exception)


def test_bare_decorator_makes_function_worker_that_returns_on_main_thread():
    ran_on = []
    result = object()

    @Tw.thread_worker
    def compute(a, b=0):
        ran_on.append(threading.current_thread())
        return (a + b, result)

    worker = compute(1, b=2)
    assert type(worker) is Tw.FunctionWorker
    assert not worker.is_running          # not started without connect=
    rec = Recorder(worker)
    worker.start()
    assert worker.is_running
    rec.wait_finished()

    assert rec.log == 'SRF'
    value = rec.values('returned')[0]
    assert value[0] == 3
    assert value[1] is result              # the same object, not a copy
    assert ran_on and ran_on[0] is not MAIN_THREAD
    assert not worker.is_running


def test_connect_starts_the_worker_and_accepts_lists_of_handlers():
    got = []

    def first(value):
        got.append(('first', value, on_main_thread()))

    def second(value):
        got.append(('second', value, on_main_thread()))

    @Tw.thread_worker(connect={'returned': [first, second]})
    def answer():
        return 42

    worker = answer()                      # connect= starts it
    assert worker.is_running
    run_until(lambda: len(got) == 2, 'both returned handlers')
    assert got == [('first', 42, True), ('second', 42, True)]
    run_until(lambda: not worker.is_running, 'the end of the run')


def test_start_thread_false_overrides_connect_and_call_time_wins():
    got = []

    @Tw.thread_worker(connect={'returned': got.append}, start_thread=False)
    def answer():
        return 'x'

    idle = answer()
    assert not idle.is_running

    started = answer(_start_thread=True)
    assert started.is_running
    run_until(lambda: got == ['x'], 'the returned value')
    run_until(lambda: not started.is_running, 'the end of the run')


def test_call_time_connect_replaces_decorator_connect():
    decorator_got, call_got = [], []

    @Tw.thread_worker(connect={'returned': decorator_got.append})
    def answer():
        return 7

    worker = answer(_connect={'returned': call_got.append})
    run_until(lambda: call_got == [7], 'the call-time handler')
    run_until(lambda: not worker.is_running, 'the end of the run')
    assert decorator_got == []


def test_bad_connect_raises_type_error():
    def f():
        return None

    with pytest.raises(TypeError):
        Tw.create_worker(f, _connect=[('returned', print)])
    with pytest.raises(TypeError):
        Tw.create_worker(f, _connect={'returned': 'not callable'})
    with pytest.raises(TypeError):
        Tw.create_worker(f, _connect={'returned': [print, 3]})
    assert Tw.Pool.get_default().get_n_items() == 0   # nothing was started


def test_generator_function_becomes_generator_worker():
    def gen():
        yield 1

    def func():
        return 1

    assert type(Tw.create_worker(gen)) is Tw.GeneratorWorker
    assert type(Tw.create_worker(func)) is Tw.FunctionWorker
    with pytest.raises(TypeError):
        Tw.FunctionWorker(gen)
    with pytest.raises(TypeError):
        Tw.GeneratorWorker(func)


def test_worker_class_must_be_a_worker_base():
    with pytest.raises(TypeError):
        Tw.create_worker(lambda: None, _worker_class=object)
    with pytest.raises(TypeError):
        Tw.create_worker(lambda: None, _worker_class='FunctionWorker')


class SquareWorker(Tw.WorkerBase):
    """A worker written the superqt way: a WorkerBase subclass with work()."""

    def __init__(self, func, *args, **kwargs):
        super().__init__()
        self.func = func
        self.args = args
        self.work_threads = []

    def work(self):
        self.work_threads.append(threading.current_thread())
        for i in range(3):
            if self.abort_requested:
                return None
            self.yielded.emit(i)           # from the worker thread
        return self.func(*self.args) ** 2


def test_worker_class_subclass_of_worker_base_runs_work_on_a_thread():
    @Tw.thread_worker(worker_class=SquareWorker)
    def base():
        return 5

    worker = base()
    assert isinstance(worker, SquareWorker)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()

    assert rec.log == 'SYYYRF'
    assert rec.values() == [0, 1, 2]
    assert rec.values('returned') == [25]
    assert worker.work_threads[0] is not MAIN_THREAD


class CountingFunctionWorker(Tw.FunctionWorker):
    """A Python subclass of the (final in C) FunctionWorker."""

    def describe(self):
        return 'counting'


def test_worker_class_subclass_of_function_worker_keeps_its_class():
    worker = Tw.create_worker(lambda x: x + 1, 1, _worker_class=CountingFunctionWorker)
    assert type(worker) is CountingFunctionWorker
    assert worker.describe() == 'counting'
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.values('returned') == [2]


def test_errored_gets_the_original_exception_instance():
    raised = []

    class Boom(Exception):
        pass

    def fail():
        exc = Boom('the reason')
        raised.append(exc)
        raise exc

    worker = Tw.create_worker(fail)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()

    assert rec.log == 'SEF'
    exc = rec.values('errored')[0]
    assert exc is raised[0]
    assert exc.__traceback__ is not None
    # The C side has a GError describing it.
    error = worker.get_error()
    assert error.matches(Tw.worker_error_quark(), Tw.WorkerError.FAILED)
    assert 'Boom: the reason' in error.message


def test_unhandled_error_goes_to_excepthook_and_the_app_keeps_running(monkeypatch):
    hooked = []

    def hook(exc_type, exc, tb):
        hooked.append((exc_type, exc, on_main_thread()))

    monkeypatch.setattr(sys, 'excepthook', hook)

    def fail():
        raise KeyError('missing')

    finished = []
    Tw.create_worker(fail, _connect={'finished': lambda: finished.append(1)})
    run_until(lambda: finished, 'finished')

    assert len(hooked) == 1
    exc_type, exc, main = hooked[0]
    assert exc_type is KeyError and isinstance(exc, KeyError) and main

    # The program goes on: another worker runs normally.
    after = Tw.create_worker(lambda: 'still here')
    rec2 = Recorder(after)
    after.start()
    rec2.wait_finished()
    assert rec2.values('returned') == ['still here']


def test_errored_handler_or_ignore_errors_keep_excepthook_quiet(monkeypatch):
    hooked = []
    monkeypatch.setattr(sys, 'excepthook', lambda *a: hooked.append(a))
    handled = []

    def fail():
        raise ValueError('x')

    w1 = Tw.create_worker(fail, _connect={'errored': handled.append})
    w2 = Tw.create_worker(fail, _ignore_errors=True, _start_thread=True)
    run_until(lambda: not w1.is_running and not w2.is_running, 'both runs to end')

    assert len(handled) == 1 and isinstance(handled[0], ValueError)
    assert hooked == []


def test_handler_exception_does_not_stop_the_loop(monkeypatch):
    hooked = []
    monkeypatch.setattr(sys, 'excepthook', lambda *a: hooked.append(a[0]))

    def bad_handler(value):
        raise RuntimeError('handler failed')

    worker = Tw.create_worker(lambda: 1, _connect={'returned': bad_handler})
    rec = Recorder(worker)
    rec.wait_finished()
    assert rec.log == 'SRF'   # the recorder's handlers still ran
    assert hooked == [RuntimeError]


def test_slot_without_arguments_may_connect_to_a_signal_with_one():
    calls = []
    worker = Tw.create_worker(lambda: 'ignored')
    worker.returned.connect(lambda: calls.append(on_main_thread()))
    worker.finished.connect(lambda: calls.append('finished'))
    worker.start()
    run_until(lambda: 'finished' in calls, 'finished')
    assert calls == [True, 'finished']


def test_disconnect_a_slot():
    got = []
    worker = Tw.create_worker(lambda: 3)
    worker.returned.connect(got.append)
    worker.returned.disconnect(got.append)
    with pytest.raises(TypeError):
        worker.returned.disconnect(got.append)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert got == []


def test_start_while_running_raises_runtime_error():
    release = threading.Event()

    def wait():
        return release.wait(30)

    worker = Tw.create_worker(wait)
    rec = Recorder(worker)
    worker.start()
    with pytest.raises(RuntimeError):
        worker.start()
    release.set()
    rec.wait_finished()
    assert rec.values('returned') == [True]


def test_any_python_value_arrives_unchanged():
    values = [None, {'a': [1, 2]}, object(), lambda: 0, GLib.Variant('i', 3), 2 ** 100]

    def gen():
        for v in values:
            yield v
        return values

    worker = Tw.create_worker(gen)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()

    got = rec.values()
    assert len(got) == len(values)
    for sent, arrived in zip(values, got):
        assert arrived is sent
    assert rec.values('returned')[0] is values


def test_warnings_warn_in_the_work_arrives_through_warned():
    import warnings

    class Careful(UserWarning):
        pass

    def work():
        warnings.warn('mind the gap', Careful)
        return 'ok'

    worker = Tw.create_worker(work)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()

    assert rec.log == 'SWRF'
    message, category, filename, lineno, _file, _line = rec.values('warned')[0]
    assert isinstance(message, Careful) and str(message) == 'mind the gap'
    assert category is Careful
    assert filename == __file__ and lineno > 0


def test_await_workers_quits_every_worker():
    def forever():
        while True:
            yield 1

    # One more than the pool runs at once: the last one waits for a thread.
    n = Tw.Pool.get_default().get_max_threads() + 1
    workers = [Tw.create_worker(forever, _start_thread=True) for _ in range(n)]
    recs = [Recorder(w) for w in workers]
    run_until(lambda: all(r.count('yielded') for r in recs[:-1]), 'the running workers to yield')
    assert workers[-1].get_state() == Tw.WorkerState.WAITING
    Tw.await_workers(10000)
    # The waiting one may get a thread freed by the others before its own
    # quit: it ends aborted too.
    for rec in recs:
        assert rec.log.startswith('S') and rec.log.endswith('AF')
        assert rec.wrong_thread == []
    assert not any(w.is_running for w in workers)


def test_await_workers_raises_when_workers_do_not_stop():
    import warnings
    release = threading.Event()

    def stubborn():
        warnings.warn('inside')        # tells the test the work has begun
        return release.wait(30)        # never checks for quit

    worker = Tw.create_worker(stubborn, _start_thread=True)
    rec = Recorder(worker)
    run_until(lambda: rec.count('warned'), 'the work to begin')
    with pytest.raises(RuntimeError):
        Tw.WorkerBase.await_workers(msecs=50)
    release.set()
    rec.wait_finished()
    assert rec.log == 'SWAF'   # quit was asked: the run ends aborted


def test_run_async_and_run_finish_give_the_python_value_or_raise():
    token = object()
    results = []

    def done(worker, result):
        try:
            results.append(('value', worker.run_finish(result), on_main_thread()))
        except GLib.Error as error:
            results.append(('error', error, on_main_thread()))

    ok = Tw.create_worker(lambda: token)
    ok.run_async(None, done)
    run_until(lambda: len(results) == 1, 'the first run_async')
    assert results[0] == ('value', token, True)

    def fail():
        raise OSError('disk on fire')

    failing = Tw.create_worker(fail, _ignore_errors=True)
    failing.run_async(None, done)
    run_until(lambda: len(results) == 2, 'the second run_async')
    kind, error, main = results[1]
    assert kind == 'error' and main
    assert error.matches(Tw.worker_error_quark(), Tw.WorkerError.FAILED)
    assert 'disk on fire' in error.message


def test_c_workers_get_the_python_signal_attributes_too():
    worker = Tw.SubprocessWorker.new(['sh', '-c', 'echo a; echo b'])
    assert isinstance(worker, Tw.WorkerBase)
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SYYRF'
    assert rec.values() == ['a', 'b']
    assert rec.values('returned') == [0]


class EmittingWorker(Tw.WorkerBase):
    """A superqt-style work() that emits its own results and warnings."""

    def __init__(self, fail):
        super().__init__()
        self.fail = fail

    def work(self):
        self.warned.emit((UserWarning('careful'), UserWarning, 'here.py', 3, None, None))
        if self.fail:
            self.errored.emit(LookupError('emitted'))
        else:
            self.returned.emit('emitted')
        return 'ignored'


def test_work_may_emit_returned_errored_and_warned_itself():
    ok = EmittingWorker(fail=False)
    rec = Recorder(ok)
    ok.start()
    rec.wait_finished()
    assert rec.log == 'SWRF'
    assert rec.values('returned') == ['emitted']
    assert rec.values('warned')[0][2:4] == ('here.py', 3)

    failing = EmittingWorker(fail=True)
    failing.errored.connect(lambda exc: None)
    rec = Recorder(failing)
    failing.start()
    rec.wait_finished()
    assert rec.log == 'SWEF'
    assert isinstance(rec.values('errored')[0], LookupError)
