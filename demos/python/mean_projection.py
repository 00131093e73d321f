#!/usr/bin/python3
# mean_projection.py: napari's "Retrieving intermediate results" example,
# ported from Qt to GTK 4 with threadworker. The mean projection of 1024
# random 512x512 images is computed on a worker thread; every 16th image the
# generator yields the mean so far, and the window shows it as it builds.
#
# Run from a build tree (see demos/python/meson.build):
#   meson devenv -C _build --workdir . /usr/bin/python3 demos/python/mean_projection.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import numpy as np

import demo_app
from demo_app import Gtk, Tw, to_texture


def build(app, smoke):
    window = Gtk.ApplicationWindow(application=app, title='Mean projection',
                                   default_width=560, default_height=600)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6,
                  margin_top=12, margin_bottom=12, margin_start=12, margin_end=12)
    picture = Gtk.Picture(content_fit=Gtk.ContentFit.CONTAIN, vexpand=True)
    caption = Gtk.Label(label='Computing…')
    box.append(picture)
    box.append(caption)
    window.set_child(box)
    window.present()

    images = []

    # napari: viewer.layers['result'].data = new_image (or add_image the
    # first time), with contrast_limits=(0.45, 0.55). Runs on the main
    # thread.
    def update_layer(new_image):
        images.append(new_image)
        picture.set_paintable(to_texture(new_image, contrast_limits=(0.45, 0.55)))
        caption.set_text('%d yields received' % len(images))

    # The napari example, unchanged but for the import.
    @Tw.thread_worker(connect={'yielded': update_layer})
    def large_random_images():
        cumsum = np.zeros((512, 512))
        for i in range(1024):
            cumsum += np.random.rand(512, 512)
            if i % 16 == 0:
                yield cumsum / (i + 1)

    worker = large_random_images()  # call the function!

    if smoke is not None:
        # 1024 images, a yield every 16: 64 means; the last is the mean of
        # 1009 uniform images, very close to 0.5 everywhere.
        def on_finished():
            if not smoke.check(len(images) == 64, '%d yields, expected 64' % len(images)):
                return
            last = images[-1]
            if not smoke.check(last.shape == (512, 512), 'shape %s' % (last.shape,)):
                return
            if not smoke.check(abs(last.mean() - 0.5) < 0.005 and last.std() < 0.02,
                               'last mean %.4f, std %.4f' % (last.mean(), last.std())):
                return
            texture = picture.get_paintable()
            if not smoke.check(texture is not None and texture.get_width() == 512,
                               'the picture shows no 512-pixel image'):
                return
            smoke.passed('64 means shown, the last one %.4f ± %.4f'
                         % (last.mean(), last.std()))

        worker.finished.connect(on_finished)


if __name__ == '__main__':
    sys.exit(demo_app.run('org.threadworker.Demo.MeanProjection', build))
