#!/usr/bin/python3
# images_forever.py: napari's "Flow control and escape hatches" example,
# ported from Qt to GTK 4 with threadworker. An infinitely yielding generator
# streams random images until the STOP! button quits it. Closing the window
# without pressing STOP! also stops it: the application's shutdown asks
# every live worker to quit (see demo_app.run).
#
# Run from a build tree (see demos/python/meson.build):
#   meson devenv -C _build --workdir . /usr/bin/python3 demos/python/images_forever.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import time

import numpy as np

import demo_app
from demo_app import GLib, GObject, Gtk, Tw, to_texture


def build(app, smoke):
    window = Gtk.ApplicationWindow(application=app, title='Images forever',
                                   default_width=560, default_height=620)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6,
                  margin_top=12, margin_bottom=12, margin_start=12, margin_end=12)
    picture = Gtk.Picture(content_fit=Gtk.ContentFit.CONTAIN, vexpand=True)
    box.append(picture)
    window.set_child(box)

    received = []

    def update_layer(new_image):
        received.append(new_image)
        picture.set_paintable(to_texture(new_image, contrast_limits=(-0.8, 0.8)))

    # The napari example, unchanged but for the import.
    @Tw.thread_worker
    def yield_random_images_forever():
        i = 0
        while True:  # infinite loop!
            yield np.random.rand(512, 512) * np.cos(i * 0.2)
            i += 1
            time.sleep(0.05)

    worker = yield_random_images_forever()
    worker.yielded.connect(update_layer)

    # add a button to the window that, when clicked, stops the worker
    # (napari: button.clicked.connect(worker.quit) and
    # worker.finished.connect(button.clicked.disconnect))
    button = Gtk.Button(label='STOP!')
    handler = button.connect('clicked', lambda button: worker.quit())

    def on_finished():
        button.disconnect(handler)
        button.set_sensitive(False)

    worker.finished.connect(on_finished)
    box.append(button)
    window.present()

    worker.start()

    if smoke is not None:
        aborted = []
        worker.aborted.connect(lambda: aborted.append(True))

        # Press STOP! once ten images have been shown.
        def press_stop():
            button.emit('clicked')
            return GLib.SOURCE_REMOVE

        def on_yielded(value):
            if len(received) == 10:
                GLib.idle_add(press_stop)

        def on_smoke_finished():
            n = len(received)
            if not smoke.check(aborted == [True], 'the worker was not aborted'):
                return
            if not smoke.check(n >= 10, 'only %d images arrived' % n):
                return
            if not smoke.check(not GObject.signal_handler_is_connected(button, handler),
                               'STOP! is still connected to the finished worker'):
                return
            if not smoke.check(worker.get_state() == Tw.WorkerState.ABORTED,
                               'state %s' % worker.get_state()):
                return
            smoke.passed('%d images shown, then STOP! stopped the infinite generator' % n)

        worker.yielded.connect(on_yielded)
        worker.finished.connect(on_smoke_finished)


if __name__ == '__main__':
    sys.exit(demo_app.run('org.threadworker.Demo.ImagesForever', build))
