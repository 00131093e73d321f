#!/usr/bin/python3
# multiplier.py: napari's "Full two-way communication" example, ported from
# Qt to GTK 4 with threadworker: a cumulative multiplier runs on a worker
# thread; after each product it yields, the window pauses it; the number
# typed in the entry is sent into the generator and the worker resumed. It
# returns "Game Over!" when the product hits 0. The Stop and New game
# buttons are the worker's own actions (worker.get_actions()), and closing
# the window quits the worker (worker.quit_with(window)).
#
# Run from a build tree (see demos/python/meson.build):
#   meson devenv -C _build --workdir . /usr/bin/python3 demos/python/multiplier.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import time

import demo_app
from demo_app import Gtk, Tw


def build(app, smoke):
    # make a widget to control the worker
    # (not the main point of this example...)
    window = Gtk.ApplicationWindow(application=app, title='Multiplier', default_width=320)
    layout = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6,
                     margin_top=12, margin_bottom=12, margin_start=12, margin_end=12)
    result_label = Gtk.Label()
    line_edit = Gtk.Entry(input_purpose=Gtk.InputPurpose.NUMBER)
    layout.append(line_edit)
    layout.append(result_label)
    # Buttons that name the worker's actions: no handler of ours runs them,
    # and each is enabled only when its action applies.
    buttons = Gtk.Box(spacing=6, homogeneous=True)
    stop_button = Gtk.Button(label='Stop', action_name='worker.quit')
    new_game_button = Gtk.Button(label='New game', action_name='worker.restart')
    buttons.append(stop_button)
    buttons.append(new_game_button)
    layout.append(buttons)
    window.set_child(layout)
    window.present()

    # The napari example, unchanged but for the import.
    @Tw.thread_worker
    def multiplier():
        total = 1
        while True:
            time.sleep(0.1)
            new = yield total
            total *= new if new is not None else 1
            if total == 0:
                return "Game Over!"

    # create the worker
    worker = multiplier()
    window.insert_action_group('worker', worker.get_actions())
    # Closing the window quits the worker; no callback below runs after.
    worker.quit_with(window)

    # define some callbacks
    def on_yielded(value):
        worker.pause()
        result_label.set_text(str(value))
        line_edit.set_text('1')

    def on_return(value):
        line_edit.set_text('')
        # Qt's setEnabled(False); move the focus out first so GTK's entry
        # sees it leave.
        window.set_focus(None)
        line_edit.set_sensitive(False)
        result_label.set_text(value)

    # Qt's QDoubleValidator: only numbers are sent.
    def send_next_value(entry):
        try:
            value = float(line_edit.get_text())
        except ValueError:
            line_edit.add_css_class('error')
            return
        line_edit.remove_css_class('error')
        worker.send(value)
        worker.resume()

    def on_started():
        # A new game (the New game button restarts the worker).
        line_edit.set_sensitive(True)
        result_label.set_text('')

    worker.started.connect(on_started)
    worker.yielded.connect(on_yielded)
    worker.returned.connect(on_return)
    line_edit.connect('activate', send_next_value)

    worker.start()

    if smoke is not None:
        # Type 3, 2.5 and 0, each once its product is shown and the worker
        # has really paused, as a person would. (Typing within the 0.1 s
        # sleep after a yield races the example itself: the step already
        # under way yields the same product again, and the pause its
        # handler requests can then hold the worker before it reads the
        # number, so that number answers the next product instead.)
        script = [('1', '3'), ('3.0', '2.5'), ('7.5', '0')]
        shown = []

        def on_paused():
            if script and result_label.get_text() == script[0][0]:
                shown.append(script[0][0])
                line_edit.set_text(script.pop(0)[1])
                line_edit.emit('activate')

        def on_finished():
            if not smoke.check(shown == ['1', '3.0', '7.5'], 'products shown: %s' % shown):
                return
            if not smoke.check(result_label.get_text() == 'Game Over!',
                               'the label says %r' % result_label.get_text()):
                return
            if not smoke.check(not line_edit.get_sensitive(), 'the entry is still enabled'):
                return
            if not smoke.check(worker.get_state() == Tw.WorkerState.FINISHED,
                               'state %s' % worker.get_state()):
                return
            # The buttons follow the worker: nothing to stop, a new game
            # may begin.
            if not smoke.check(not stop_button.is_sensitive(),
                               'Stop is enabled after the game'):
                return
            if not smoke.check(new_game_button.is_sensitive(), 'New game is disabled'):
                return
            smoke.passed('1 × 3 × 2.5 × 0: "Game Over!" returned')

        worker.paused.connect(on_paused)
        worker.finished.connect(on_finished)


if __name__ == '__main__':
    sys.exit(demo_app.run('org.threadworker.Demo.Multiplier', build))
