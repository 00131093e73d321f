#!/usr/bin/env -S gjs -m
// subprocess-viewer.js: a small GTK 4 app in JavaScript that runs a command
// with a Tw.SubprocessWorker and streams its output lines into a list.
// GJS cannot run JavaScript on another thread: the work is a child process,
// watched by threadworker from one of its threads, and every signal handler
// below runs on the main loop.
//
// Run from a build tree:
//   meson devenv -C _build --workdir . gjs -m demos/gjs/subprocess-viewer.js
// With --smoke it runs a counter, pauses and resumes it, checks what
// arrived and exits (0 if all was right).
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk?version=4.0';
import Tw from 'gi://Tw';
import System from 'system';

const SHUTDOWN_TIMEOUT_MS = 3000;
const SMOKE_DEADLINE_S = 60;
const MAX_LINES = 5000;

// Prints N lines; every line is followed by a progress report, which the
// worker turns into its `progress` instead of yielding it.
const N_COUNTER_LINES = 50;
const COUNTER = `n=${N_COUNTER_LINES}; i=0; while [ $i -lt $n ]; do i=$((i+1)); ` +
    'echo "Line $i of $n"; ' +
    'printf "PROGRESS %d.%02d Line %d of %d\\n" $((i/n)) $((i*100/n%100)) $i $n; ' +
    'sleep 0.02; done';

const smokeMode = ARGV.includes('--smoke');
let exitStatus = 0;

class Viewer {
    constructor(app) {
        this.worker = null;
        this.lines = new Gtk.StringList();
        this.pending = [];
        this.flushId = 0;
        this.nLines = 0;
        this.handlers = [];

        this.window = new Gtk.ApplicationWindow({
            application: app,
            title: 'Subprocess output',
            default_width: 720,
            default_height: 520,
        });
        const box = new Gtk.Box({
            orientation: Gtk.Orientation.VERTICAL, spacing: 6,
            margin_top: 12, margin_bottom: 12, margin_start: 12, margin_end: 12,
        });
        this.window.set_child(box);

        this.entry = new Gtk.Entry({text: `sh -c '${COUNTER}'`});
        this.entry.add_css_class('monospace');
        this.entry.connect('activate', () => this.run());
        box.append(this.entry);

        const row = new Gtk.Box({spacing: 6});
        this.runButton = new Gtk.Button({label: 'Run'});
        this.runButton.add_css_class('suggested-action');
        this.runButton.connect('clicked', () => this.run());
        this.pauseButton = new Gtk.Button({label: 'Pause', sensitive: false});
        this.pauseButton.connect('clicked', () => this.worker?.toggle_pause());
        this.stopButton = new Gtk.Button({label: 'Stop', sensitive: false});
        this.stopButton.add_css_class('destructive-action');
        this.stopButton.connect('clicked', () => this.worker?.quit());
        this.progressBar = new Gtk.ProgressBar({hexpand: true, valign: Gtk.Align.CENTER});
        for (const widget of [this.runButton, this.pauseButton, this.stopButton, this.progressBar])
            row.append(widget);
        box.append(row);

        this.status = new Gtk.Label({xalign: 0, wrap: true, label: 'Press Run.'});
        box.append(this.status);

        const factory = new Gtk.SignalListItemFactory();
        factory.connect('setup', (_factory, item) => {
            const label = new Gtk.Label({xalign: 0});
            label.add_css_class('monospace');
            item.set_child(label);
        });
        factory.connect('bind', (_factory, item) => {
            item.get_child().set_label(item.get_item().get_string());
        });
        this.listView = new Gtk.ListView({
            model: new Gtk.NoSelection({model: this.lines}),
            factory,
        });
        box.append(new Gtk.ScrolledWindow({
            child: this.listView, vexpand: true, has_frame: true,
        }));

        this.window.present();
    }

    setStatus(text, isError = false) {
        this.status.set_label(text);
        if (isError)
            this.status.add_css_class('error');
        else
            this.status.remove_css_class('error');
    }

    updateControls() {
        const running = this.worker?.is_running ?? false;
        const stopping = running && this.worker.abort_requested;
        this.runButton.sensitive = !running;
        // Read-only rather than insensitive: it may have the focus.
        this.entry.editable = !running;
        this.pauseButton.sensitive = running && !stopping;
        this.stopButton.sensitive = running && !stopping;
        this.pauseButton.label = this.worker?.is_paused ? 'Resume' : 'Pause';
    }

    // Lines come in batches; they enter the list in one splice per
    // main-loop turn, which keeps the newest MAX_LINES.
    flush() {
        this.flushId = 0;
        const nItems = this.lines.get_n_items();
        const added = this.pending.slice(-MAX_LINES);
        const nRemove = Math.min(nItems, Math.max(0, nItems + added.length - MAX_LINES));
        this.pending = [];
        this.lines.splice(0, nRemove, []);
        this.lines.splice(this.lines.get_n_items(), 0, added);
        this.listView.activate_action('list.scroll-to-item',
            new GLib.Variant('u', this.lines.get_n_items() - 1));
        this.onLinesShown?.();
        return GLib.SOURCE_REMOVE;
    }

    run() {
        if (this.worker?.is_running)
            return;

        let worker;
        try {
            const [, argv] = GLib.shell_parse_argv(this.entry.text);
            worker = Tw.SubprocessWorker.new(argv);
        } catch (error) {
            this.setStatus(error.message, true);
            return;
        }

        if (this.worker) {
            for (const id of this.handlers)
                this.worker.disconnect(id);
        }
        this.handlers = [];
        this.worker = worker;
        this.lines.splice(0, this.lines.get_n_items(), []);
        this.nLines = 0;
        this.progressBar.fraction = 0;

        const on = (signal, handler) => this.handlers.push(worker.connect(signal, handler));
        on('notify::state', () => this.updateControls());
        on('notify::abort-requested', () => this.updateControls());
        on('notify::progress', () => {
            this.progressBar.fraction = Math.max(0, worker.progress);
        });
        on('started', () => this.setStatus('Running.'));
        on('yielded', (_worker, line) => {
            this.pending.push(line);
            this.nLines++;
            if (this.flushId === 0)
                this.flushId = GLib.idle_add(GLib.PRIORITY_DEFAULT, () => this.flush());
        });
        on('paused', () => this.setStatus('Paused: the process is stopped (SIGSTOP).'));
        on('resumed', () => this.setStatus('Running.'));
        on('returned', (_worker, status) => this.setStatus(`Finished with exit status ${status}.`));
        on('errored', (_worker, error) => this.setStatus(error.message, true));
        on('aborted', () => this.setStatus('Stopped: the process was terminated.'));
        on('finished', () => this.updateControls());

        worker.start();
        this.updateControls();
    }
}

// Runs the counter; pauses after 10 lines, resumes once really paused, and
// checks everything arrived in order once it has finished.
function smoke(viewer, done) {
    const events = [];
    viewer.runButton.emit('clicked');
    const worker = viewer.worker;
    if (!worker) {
        done(false, `the command did not start: ${viewer.status.label}`);
        return;
    }

    for (const signal of ['started', 'paused', 'resumed', 'returned', 'errored', 'aborted'])
        worker.connect(signal, () => events.push(signal));

    viewer.onLinesShown = () => {
        if (viewer.nLines >= 10 && !events.includes('paused') && !worker.is_paused &&
            viewer.pauseButton.label === 'Pause')
            viewer.pauseButton.emit('clicked');
    };
    worker.connect('paused', () => {
        // Resume on a later turn of the loop, as a click would come.
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            viewer.pauseButton.emit('clicked');
            return GLib.SOURCE_REMOVE;
        });
    });
    worker.connect('finished', () => {
        // The last lines may still wait for their splice.
        GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
            const shown = [];
            for (let i = 0; i < viewer.lines.get_n_items(); i++)
                shown.push(viewer.lines.get_string(i));
            const expected = Array.from({length: N_COUNTER_LINES},
                (_, i) => `Line ${i + 1} of ${N_COUNTER_LINES}`);
            const log = events.join(' ');
            if (log !== 'started paused resumed returned')
                done(false, `signals: ${log}`);
            else if (JSON.stringify(shown) !== JSON.stringify(expected))
                done(false, `lines: ${JSON.stringify(shown.slice(0, 5))}… (${shown.length})`);
            else if (worker.progress !== 1 || viewer.progressBar.fraction !== 1)
                done(false, `progress ${worker.progress}, bar ${viewer.progressBar.fraction}`);
            else if (worker.state !== Tw.WorkerState.FINISHED)
                done(false, `state ${worker.state}`);
            else
                done(true, `${shown.length} lines in order, paused and resumed, exit status 0`);
            return GLib.SOURCE_REMOVE;
        });
    });
}

const app = new Gtk.Application({
    application_id: 'org.threadworker.Demo.SubprocessViewer',
    flags: Gio.ApplicationFlags.NON_UNIQUE,
});
// Quitting while the command runs stops it and waits for the worker.
Tw.Pool.get_default().bind_application(app, SHUTDOWN_TIMEOUT_MS);

app.connect('activate', () => {
    const viewer = new Viewer(app);
    if (!smokeMode)
        return;

    exitStatus = 1;
    let deadline = 0;
    const done = (ok, message) => {
        if (deadline === -1)
            return;
        if (deadline > 0)
            GLib.source_remove(deadline);
        deadline = -1;
        print(`${ok ? 'ok' : 'FAILED'}: ${message}`);
        exitStatus = ok ? 0 : 1;
        viewer.window.destroy();
    };
    deadline = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, SMOKE_DEADLINE_S, () => {
        deadline = 0;
        done(false, `nothing happened within ${SMOKE_DEADLINE_S} s`);
        return GLib.SOURCE_REMOVE;
    });
    smoke(viewer, done);
});

const status = app.run([System.programInvocationName]);
System.exit(status !== 0 ? status : exitStatus);
