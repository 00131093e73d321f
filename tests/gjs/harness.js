// harness.js: a small TAP harness for the GJS tests: tests are async
// functions run one after the other on a GLib main loop, each with a
// deadline, and a recorder that logs a worker's signals and checks that
// every handler runs on the main loop's thread.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import System from 'system';

// No test waits longer than this for anything; a hang fails the test.
export const DEADLINE_MS = 30000;

const tests = [];

export function test(name, fn) {
    tests.push({name, fn});
}

export function assert(condition, message) {
    if (!condition)
        throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(actual, expected, message) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`${message}: got ${a}, expected ${e}`);
}

// Resolves after @ms on the main loop (an observation window, never a way
// to wait for something that has a signal).
export function delay(ms) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

function withDeadline(promise, what) {
    let source = 0;
    const deadline = new Promise((_resolve, reject) => {
        source = GLib.timeout_add(GLib.PRIORITY_DEFAULT, DEADLINE_MS, () => {
            source = 0;
            reject(new Error(`timed out after ${DEADLINE_MS} ms: ${what}`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, deadline]).finally(() => {
        if (source)
            GLib.source_remove(source);
    });
}

const LETTERS = {
    started: 'S', yielded: 'Y', returned: 'R', errored: 'E', warned: 'W',
    paused: 'P', resumed: 'U', aborted: 'A', finished: 'F',
};

// Logs every signal of @worker (one letter each) with its argument.
export class Recorder {
    constructor(worker) {
        this.worker = worker;
        this.log = '';
        this.args = {};
        this.wrongThread = [];
        this._waiters = [];
        for (const [name, letter] of Object.entries(LETTERS)) {
            this.args[name] = [];
            worker.connect(name, (_worker, ...args) => {
                // JS may only ever run on the thread that owns the main
                // context; a handler elsewhere would be a contract breach.
                if (!GLib.MainContext.default().is_owner())
                    this.wrongThread.push(name);
                this.log += letter;
                this.args[name].push(args[0]);
                this._check();
            });
        }
    }

    count(name) {
        return this.args[name].length;
    }

    // Resolves once predicate() holds, checked after every signal.
    until(predicate) {
        if (predicate())
            return Promise.resolve();
        return new Promise(resolve => this._waiters.push({predicate, resolve}));
    }

    finished(n = 1) {
        return this.until(() => this.count('finished') >= n).then(() => {
            assertEqual(this.wrongThread, [], 'handlers that ran off the main thread');
        });
    }

    _check() {
        this._waiters = this._waiters.filter(({predicate, resolve}) => {
            if (!predicate())
                return true;
            resolve();
            return false;
        });
    }
}

// Runs the tests in order, prints TAP, and exits with 1 if any failed.
export function run() {
    const loop = new GLib.MainLoop(null, false);
    let failed = 0;

    (async () => {
        print(`1..${tests.length}`);
        for (const [i, {name, fn}] of tests.entries()) {
            try {
                await withDeadline(fn(), name);
                print(`ok ${i + 1} - ${name}`);
            } catch (e) {
                failed++;
                print(`not ok ${i + 1} - ${name}`);
                printerr(`# ${name}: ${e}\n${e.stack ?? ''}`);
            }
        }
    })().catch(e => {
        failed++;
        printerr(`# harness: ${e}`);
    }).finally(() => loop.quit());

    loop.run();
    System.exit(failed ? 1 : 0);
}
