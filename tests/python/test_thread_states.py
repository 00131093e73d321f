# test_thread_states.py: a pool thread keeps one Python thread state for its
# life (no state made and destroyed per run); the thread's exit releases it
# on the main context; an interpreter that exits with such threads alive
# exits cleanly.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import subprocess
import sys
import threading

from gi.repository import Tw

from conftest import on_main_thread, run_until

import gi.overrides.Tw as override


def own_pool(idle_timeout_ms):
    pool = Tw.Pool.new()
    pool.set_max_threads(1)
    pool.set_idle_timeout(idle_timeout_ms)
    return pool


def run_on(pool, func, n=1):
    """Runs func in n function workers of @pool, one after the other;
    returns what they returned and the threads their slots ran on."""
    results, wrong_thread = [], []

    def on_returned(value):
        if not on_main_thread():
            wrong_thread.append(value)
        results.append(value)

    for _ in range(n):
        worker = Tw.create_worker(func, _start_thread=False)
        worker.set_pool(pool)
        worker.returned.connect(on_returned)
        expected = len(results) + 1
        worker.start()
        run_until(lambda: len(results) == expected, 'the run to return')
    return results, wrong_thread


def test_a_pool_thread_keeps_its_python_state_across_runs():
    # threading.local lives in the thread's state: what one run leaves
    # there, the next run on the same thread sees only if the state was kept.
    local = threading.local()

    def work():
        seen = getattr(local, 'runs', 0)
        local.runs = seen + 1
        return (threading.get_ident(), seen)

    pool = own_pool(60000)
    results, wrong_thread = run_on(pool, work, 5)
    assert wrong_thread == []
    assert len({ident for ident, _ in results}) == 1, 'one thread ran them all'
    assert [seen for _, seen in results] == [0, 1, 2, 3, 4]
    pool.quit_all()


def test_a_generator_after_a_function_keeps_the_same_state():
    local = threading.local()

    def function():
        local.mark = 'kept'
        return threading.get_ident()

    def generator():
        yield (threading.get_ident(), getattr(local, 'mark', None))

    pool = own_pool(60000)
    (ident,), _ = run_on(pool, function)
    values = []
    worker = Tw.create_worker(generator, _start_thread=False)
    worker.set_pool(pool)
    worker.yielded.connect(values.append)
    worker.start()
    run_until(lambda: values and not worker.is_running, 'the generator to finish')
    assert values == [(ident, 'kept')]
    pool.quit_all()


def test_a_thread_that_exits_releases_its_state_on_the_main_context():
    before = set(override._kept_states)
    pool = own_pool(20)
    (ident,), wrong_thread = run_on(pool, threading.get_ident)
    assert wrong_thread == []
    mine = set(override._kept_states) - before
    assert len(mine) == 1, 'the new thread kept its state'
    # The thread exits after 20 ms idle; its state is deleted on the main
    # context (_on_thread_exited), not before.
    run_until(lambda: not (mine & set(override._kept_states)),
              "the exited thread's state to be released")
    # A new thread of the pool keeps a new state, and runs Python as before.
    (again,), _ = run_on(pool, lambda: 42)
    assert again == 42


EXIT_SCRIPT = r'''
import sys
import gi
gi.require_version('Tw', '1.0')
from gi.repository import GLib, Tw
import gi.overrides.Tw as override

idle_ms = int(sys.argv[1])
Tw.Pool.get_default().set_idle_timeout(idle_ms)
results = []
for i in range(20):
    Tw.create_worker(lambda i=i: i * i, _connect={'returned': results.append})
context = GLib.MainContext.default()
while len(results) < 20:
    context.iteration(True)
assert sorted(results) == [i * i for i in range(20)]
assert override._kept_states, 'threads keep their states'
print('ok', flush=True)
'''


def test_the_interpreter_exits_cleanly_with_threads_that_keep_states():
    # Threads alive at exit (long idle timeout), and threads that exit
    # while the interpreter shuts down (1 ms): no crash, nothing on stderr.
    env = dict(os.environ)
    for idle_ms in ('60000', '1', '1', '1'):
        proc = subprocess.run([sys.executable, '-c', EXIT_SCRIPT, idle_ms],
                              capture_output=True, text=True, env=env, timeout=60)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, 'ok\n', '')
