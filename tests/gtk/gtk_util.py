# gtk_util.py: what the Python GTK tests share: Gtk 4 and Tw loaded through
# GI, and run_until(), which iterates the default main context with a
# deadline. Main thread only.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi
gi.require_version('Gtk', '4.0')
gi.require_version('Tw', '1.0')
from gi.repository import GLib  # noqa: E402

import pytest  # noqa: E402

DEADLINE_MS = 30000


def run_until(predicate, what):
    """Iterates the default main context until predicate() holds; fails the
    test after DEADLINE_MS."""
    context = GLib.MainContext.default()
    expired = []
    source = GLib.timeout_add(DEADLINE_MS, lambda: expired.append(True) or GLib.SOURCE_REMOVE)
    try:
        while not predicate():
            if expired:
                pytest.fail('timed out waiting for ' + what)
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(source)
