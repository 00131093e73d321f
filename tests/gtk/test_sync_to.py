# test_sync_to.py: TwGtk.sync_to_frames() and Tw.thread_worker(sync_to=)
# from Python, in a real GTK 4 window under Xvfb: values arrive on the main
# thread inside frames, at most one per frame under LATEST, every one in
# order under QUEUE.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading

import gi
import pytest

from gtk_util import run_until  # loads Gtk 4 and Tw 1.0 first
gi.require_version('TwGtk', '1.0')
from gi.repository import Gtk, Tw, TwGtk  # noqa: E402


@pytest.fixture
def label():
    Gtk.init()
    window = Gtk.Window()
    child = Gtk.Label(label='frames')
    window.set_child(child)
    window.present()
    run_until(child.get_mapped, 'the window to map')
    yield child
    window.destroy()


def record(worker, label):
    got = dict(values=[], frames=[], threads=set(), finished=False)
    clock = label.get_frame_clock()

    def on_yielded(value):
        got['values'].append(value)
        got['frames'].append(clock.get_frame_counter())
        got['threads'].add(threading.current_thread())

    def on_finished():
        got['finished'] = True

    worker.yielded.connect(on_yielded)
    worker.finished.connect(on_finished)
    return got


def test_latest_synced_delivers_at_most_one_value_per_frame(label):
    @Tw.thread_worker(yield_policy='latest', sync_to=label, start_thread=False)
    def stream(n):
        for i in range(n):
            yield i

    worker = stream(50000)
    got = record(worker, label)
    worker.start()
    run_until(lambda: got['finished'], 'finished')
    assert got['threads'] == {threading.main_thread()}
    assert got['values'][-1] == 49999
    assert got['values'] == sorted(got['values'])
    assert len(got['frames']) == len(set(got['frames']))


def test_queue_synced_delivers_every_value_in_order(label):
    objects = [object() for _ in range(3000)]

    def stream():
        yield from objects

    worker = Tw.create_worker(stream, _start_thread=False)
    TwGtk.sync_to_frames(worker, label)
    got = record(worker, label)
    worker.start()
    run_until(lambda: got['finished'], 'finished')
    assert got['threads'] == {threading.main_thread()}
    assert len(got['values']) == len(objects)
    assert all(a is b for a, b in zip(got['values'], objects))
