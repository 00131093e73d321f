# test_quit_with.py: worker.quit_with(window) from Python in a real GTK 4
# window under Xvfb: closing the window mid-run quits the worker, and the
# window's own methods connected as slots are not called afterwards; buttons
# naming the worker's actions drive it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import threading
import time

from gtk_util import run_until  # loads Gtk 4 and Tw 1.0 first
from gi.repository import Gtk, Tw  # noqa: E402


@Tw.thread_worker
def count_until_quit():
    i = 0
    while True:
        yield i
        i += 1
        time.sleep(0.001)


class Seen:
    shown = 0
    touched_after_close = False
    closed = False


class CounterWindow(Gtk.Window):
    def __init__(self, seen):
        super().__init__(default_width=200, default_height=100)
        self.label = Gtk.Label(label='–')
        self.set_child(self.label)
        self.seen = seen

    def show_value(self, value):
        assert threading.current_thread() is threading.main_thread()
        if self.seen.closed:
            self.seen.touched_after_close = True
        self.label.set_text(str(value))
        self.seen.shown += 1

    def on_finished(self):
        if self.seen.closed:
            self.seen.touched_after_close = True


def test_closing_the_window_mid_run_quits_the_worker():
    Gtk.init()
    seen = Seen()
    window = CounterWindow(seen)
    window.present()
    run_until(window.get_mapped, 'the window')

    worker = count_until_quit()
    # Methods of the window, connected before and after quit_with(): the
    # worker holds them without keeping the window alive.
    worker.yielded.connect(window.show_value)
    worker.quit_with(window)
    worker.finished.connect(window.on_finished)
    ended = []
    worker.finished.connect(lambda: ended.append(worker.get_state()))
    worker.start()
    run_until(lambda: seen.shown >= 5, 'five values shown')

    # Closed, and let go of: nothing else holds the window, so it is
    # disposed at once.
    seen.closed = True
    disposed = []
    window.weak_ref(lambda: disposed.append(True))
    window.destroy()
    del window
    gc.collect()
    assert disposed
    assert worker.abort_requested
    run_until(lambda: ended, 'the end of the run')
    assert ended == [Tw.WorkerState.ABORTED]
    assert not seen.touched_after_close


def test_buttons_with_action_names_drive_the_worker():
    Gtk.init()
    worker = count_until_quit()
    window = Gtk.Window()
    box = Gtk.Box(spacing=6)
    start = Gtk.Button(label='Start', action_name='worker.start')
    stop = Gtk.Button(label='Stop', action_name='worker.quit')
    box.append(start)
    box.append(stop)
    window.set_child(box)
    window.insert_action_group('worker', worker.get_actions())
    window.present()
    run_until(start.get_mapped, 'the buttons')
    run_until(start.is_sensitive, 'Start enabled')
    assert not stop.is_sensitive()

    ended = []
    worker.finished.connect(lambda: ended.append(worker.get_state()))
    start.emit('clicked')
    run_until(stop.is_sensitive, 'Stop enabled')
    assert not start.is_sensitive()
    stop.emit('clicked')
    run_until(lambda: ended, 'the end of the run')
    assert ended == [Tw.WorkerState.ABORTED]
    run_until(start.is_sensitive, 'Start enabled again')
    window.destroy()
