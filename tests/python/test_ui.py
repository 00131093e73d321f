# test_ui.py: what a user interface binds a worker with, from Python without
# GTK: the worker's Gio.ActionGroup through GI (enabled states through a
# run, activation) and worker.quit_with(obj) on a plain GObject.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import time

from gi.repository import GObject, Gio, Tw

import pytest

from conftest import on_main_thread, run_until

ACTIONS = ('start', 'pause', 'resume', 'toggle-pause', 'quit', 'restart')


def enabled(group):
    """The enabled actions, as in the C tests: 's....r' for an idle worker,
    '+' when toggle-pause's state is True."""
    letters = ''.join(letter if group.get_action_enabled(name) else '.'
                      for name, letter in zip(ACTIONS, 'sputqr'))
    if group.get_action_state('toggle-pause').get_boolean():
        letters += '+'
    return letters


@Tw.thread_worker
def count_until_quit():
    i = 0
    while True:
        yield i
        i += 1
        time.sleep(0.001)


def test_actions_through_gi_follow_a_run(record):
    worker = count_until_quit()
    rec = record(worker)
    group = worker.get_actions()
    assert isinstance(group, Gio.ActionGroup)
    assert sorted(group.list_actions()) == sorted(ACTIONS)
    assert enabled(group) == 's....r'

    group.activate_action('start', None)
    assert enabled(group) == '.p.tqr'
    run_until(lambda: worker.get_state() == Tw.WorkerState.RUNNING, 'the run')

    group.activate_action('toggle-pause', None)
    assert enabled(group) == '..utqr+'
    run_until(lambda: worker.is_paused, 'the pause')
    group.activate_action('resume', None)
    assert enabled(group) == '.p.tqr'
    run_until(lambda: worker.get_state() == Tw.WorkerState.RUNNING, 'the resume')

    group.activate_action('quit', None)
    assert enabled(group) == '.....r'
    rec.wait_finished()
    assert enabled(group) == 's....r'
    assert rec.log.replace('Y', '') == 'SPUAF'


class View(GObject.Object):
    """Stands for a widget whose methods show a worker's values."""

    def __init__(self):
        super().__init__()
        self.shown = []
        self.ended = 0

    def show(self, value):
        assert on_main_thread()
        self.shown.append(value)

    def on_finished(self):
        self.ended += 1


def test_quit_with_disposed_object_quits_and_its_slots_stop(record):
    worker = count_until_quit()
    rec = record(worker)
    view = View()
    other = []
    worker.yielded.connect(view.show)
    worker.finished.connect(view.on_finished)
    worker.yielded.connect(other.append)
    worker.quit_with(view)

    worker.start()
    run_until(lambda: len(view.shown) >= 3, 'three values shown')
    shown = len(view.shown)
    view.run_dispose()        # what Gtk.Window.destroy() does to a window
    assert worker.abort_requested
    rec.wait_finished()

    assert rec.log[0] == 'S' and rec.log[-2:] == 'AF'
    assert len(view.shown) == shown and view.ended == 0
    # Slots that are not the object's still run.
    assert len(other) >= shown

    # The worker is whole and may run again.
    worker.start()
    run_until(lambda: len(other) >= shown + 3, 'the next run')
    worker.quit()
    rec.wait_finished(2)
    assert len(view.shown) == shown and view.ended == 0


def test_quit_with_needs_a_gobject():
    worker = count_until_quit()
    with pytest.raises(TypeError):
        worker.quit_with(object())
