# test_function_worker_wrappers.py: a function worker made by the override
# (tw_function_worker_new() through ctypes, its wrapper made by PyGObject's
# pygobject_new()) is the object PyGObject would have made: its class, its
# identity inside the work, its lifetime, and no destroy notify left to run
# at interpreter exit.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import subprocess
import sys
import threading
import weakref

from gi.repository import GObject, Tw

from conftest import on_main_thread, run_until

import gi.overrides.Tw as override


def test_the_override_makes_its_workers_without_pygobjects_call():
    # The ctypes path is the one in use here (not the fallback).
    assert override._native_function_worker() is not None
    worker = Tw.create_worker(lambda: 1, _start_thread=False)
    assert type(worker) is Tw.FunctionWorker
    assert isinstance(worker, Tw.Worker) and isinstance(worker, GObject.Object)
    assert worker.get_name().split('-')[0].endswith('<lambda>')   # named after the code


def test_the_work_sees_the_very_worker_it_was_made_as():
    class Counting(Tw.FunctionWorker):
        pass

    seen = []
    results = []

    def work():
        # Inside the work: the override knows which worker runs here.
        seen.append((override._current_worker(), threading.current_thread() is not
                     threading.main_thread()))
        return 'done'

    worker = Counting(work)
    assert type(worker) is Counting
    worker.returned.connect(lambda value: results.append((value, on_main_thread())))
    worker.start()
    run_until(lambda: results and not worker.is_running, 'the run to end')
    assert seen == [(worker, True)]
    assert results == [('done', True)]


def test_a_worker_dropped_by_python_still_runs_and_is_freed_after():
    results = []
    release = threading.Event()

    def work():
        release.wait(30)
        return 7

    worker = Tw.create_worker(work, _start_thread=False)
    worker.returned.connect(lambda value: results.append((value, on_main_thread())))
    finished = []
    worker.finished.connect(lambda *args: finished.append(True))
    worker.start()
    ref = weakref.ref(worker)
    del worker
    gc.collect()
    assert ref() is not None, 'the running worker keeps its wrapper'
    release.set()
    run_until(lambda: finished, 'the dropped worker to finish')
    assert results == [(7, True)]
    # Nothing keeps it now: the wrapper and its state (the function, its
    # arguments) go with the GObject.
    run_until(lambda: gc.collect() is not None and ref() is None,
              'the finished worker to be freed')


EXIT_SCRIPT = r'''
import gi
gi.require_version('Tw', '1.0')
from gi.repository import GLib, Tw

kept = []
results = []
for i in range(200):
    kept.append(Tw.create_worker(lambda i=i: i, _connect={'returned': results.append}))
context = GLib.MainContext.default()
while len(results) < 200:
    context.iteration(True)
# Workers that never ran, and workers that are still running, at exit too.
kept += [Tw.create_worker(lambda: None, _start_thread=False) for _ in range(50)]
kept += [Tw.create_worker(sum, range(100000)) for _ in range(50)]
print('ok', flush=True)
'''


def test_the_interpreter_exits_cleanly_with_workers_alive():
    for _ in range(3):
        proc = subprocess.run([sys.executable, '-c', EXIT_SCRIPT],
                              capture_output=True, text=True, timeout=60)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, 'ok\n', '')
