# test_names.py: a worker made from Python code is named after that code, so
# that a warning about a stuck worker says which code is stuck; a name the
# user gives wins.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import functools
import threading

import pytest
from gi.repository import GLib

from conftest import Recorder, Tw, run_until


def load_image(path):
    return path


def count_up(n):
    for i in range(n):
        yield i


class Counter(Tw.WorkerBase):
    def work(self):
        return 42


def test_a_function_worker_is_named_after_the_function():
    worker = Tw.create_worker(load_image, 'a.png')
    assert worker.get_name().startswith('load_image')
    assert worker.props.name == worker.get_name()


def test_workers_from_the_same_function_are_numbered():
    def fetch():
        return 1

    names = [Tw.create_worker(fetch).get_name() for _ in range(3)]
    base = fetch.__qualname__
    assert names == [base, base + '-2', base + '-3']


def test_generator_workers_and_the_decorator_use_the_qualname():
    worker = Tw.create_worker(count_up, 3)
    assert worker.get_name().split('-')[0] == 'count_up'

    @Tw.thread_worker
    def decorated():
        return 1

    worker = decorated()
    assert worker.get_name().startswith(decorated.__wrapped__.__qualname__)


def test_a_partial_is_named_after_its_function():
    worker = Tw.FunctionWorker(functools.partial(load_image, 'b.png'))
    assert worker.get_name().split('-')[0] == 'load_image'


def test_a_subclass_is_named_after_the_class():
    worker = Counter()
    assert worker.get_name().split('-')[0] == 'Counter'
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.values('returned') == [42]


def test_a_name_given_by_the_user_wins():
    assert Tw.create_worker(load_image, 'c.png', _name='thumbnails').get_name() == 'thumbnails'
    assert Counter(name='counter for the sidebar').get_name() == 'counter for the sidebar'
    worker = Tw.create_worker(load_image, 'd.png')
    worker.props.name = 'renamed'
    assert worker.get_name() == 'renamed'


def test_the_shutdown_warning_names_the_stuck_code():
    release = threading.Event()
    began = []

    def stuck_in_io():
        # Through the main loop: run_until() sleeps until the loop wakes, and
        # a flag set on this thread would wake nothing.
        GLib.idle_add(began.append, True)
        return release.wait(30)        # never checks for quit

    worker = Tw.create_worker(stuck_in_io, _start_thread=True)
    rec = Recorder(worker)
    run_until(lambda: began, 'the work to begin')
    try:
        with pytest.raises(RuntimeError) as info:
            Tw.await_workers(50)
        assert stuck_in_io.__qualname__ in str(info.value)
        assert 'TwFunctionWorker' not in str(info.value)
    finally:
        release.set()
    rec.wait_finished()
