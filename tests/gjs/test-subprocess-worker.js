// test-subprocess-worker.js: threadworker from JavaScript. GJS cannot run
// JS on another thread, so the work is a child process
// (Tw.SubprocessWorker) and JS only handles signals on the main loop.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Tw from 'gi://Tw';

import {Recorder, assert, assertEqual, delay, run, test} from './harness.js';

Gio._promisify(Tw.Worker.prototype, 'run_async', 'run_finish');

function sh(script) {
    return Tw.SubprocessWorker.new(['sh', '-c', script]);
}

// A child that counts forever, one line per 10 ms.
const COUNTER = 'i=0; while :; do echo $i; i=$((i+1)); sleep 0.01; done';

test('import Tw from gi://Tw gives the worker types', async () => {
    for (const name of ['Worker', 'FunctionWorker', 'GeneratorWorker', 'SubprocessWorker', 'Pool'])
        assert(typeof Tw[name] === 'function', `Tw.${name} exists`);
    assert(Tw.WorkerState.ABORTED !== undefined, 'Tw.WorkerState');
    assert(Tw.Pool.get_default() instanceof Tw.Pool, 'the default pool');
});

test('subprocess worker signals reach JS handlers on the main loop, in order', async () => {
    const worker = sh('echo one; echo two; echo "PROGRESS 0.5 Halfway"; echo three');
    const rec = new Recorder(worker);
    worker.start();
    await rec.finished();

    assertEqual(rec.log, 'SYYYRF', 'signals');
    assertEqual(rec.args.yielded, ['one', 'two', 'three'], 'yielded lines');
    assertEqual(rec.args.returned, [0], 'exit status');
    assertEqual(worker.progress, 0.5, 'progress');
    assertEqual(worker.progress_text, 'Halfway', 'progress text');
    assertEqual(worker.state, Tw.WorkerState.FINISHED, 'state');
});

test('run_async is awaitable through Gio._promisify', async () => {
    const worker = sh('echo working; exit 0');
    const rec = new Recorder(worker);
    const value = await worker.run_async(null);
    assertEqual(value, 0, 'the returned value');
    assertEqual(rec.log, 'SYRF', 'signals before the promise resolved');
    assertEqual(rec.wrongThread, [], 'handlers off the main thread');
});

test('a failing run rejects the awaited run_async with its GLib.Error', async () => {
    const worker = sh('echo "no such file" >&2; exit 3');
    const rec = new Recorder(worker);
    let error = null;
    try {
        await worker.run_async(null);
    } catch (e) {
        error = e;
    }
    assert(error instanceof GLib.Error, `a GLib.Error, not ${error}`);
    assert(error.matches(Tw.WorkerError, Tw.WorkerError.FAILED), 'TW_WORKER_ERROR_FAILED');
    assert(error.message.includes('no such file'), `stderr in "${error.message}"`);
    assertEqual(rec.log, 'SEF', 'signals');
    assert(rec.args.errored[0].matches(Tw.WorkerError, Tw.WorkerError.FAILED), 'errored gets the error');
    assertEqual(rec.wrongThread, [], 'handlers off the main thread');
});

test('pause and resume from JS stop and continue the child', async () => {
    const worker = sh(COUNTER);
    const rec = new Recorder(worker);
    worker.start();

    await rec.until(() => rec.count('yielded') >= 3);
    worker.pause();
    await rec.until(() => rec.count('paused') === 1);
    assert(worker.is_paused, 'is-paused after paused');
    const before = rec.count('yielded');
    await delay(100);           // stopped: no line may arrive meanwhile
    assertEqual(rec.count('yielded'), before, 'lines while paused');

    worker.toggle_pause();      // resumes
    await rec.until(() => rec.count('resumed') === 1);
    assert(!worker.is_paused, 'not paused after resumed');
    await rec.until(() => rec.count('yielded') > before);
    worker.quit();
    await rec.finished();

    const paused = rec.log.indexOf('P'), resumed = rec.log.indexOf('U');
    assert(paused > 0 && resumed > paused, `P before U in ${rec.log}`);
    assert(!rec.log.slice(paused, resumed).includes('Y'), `no line between pause and resume: ${rec.log}`);
    assert(rec.log.endsWith('AF'), `ends aborted: ${rec.log}`);
    const numbers = rec.args.yielded.map(Number);
    assertEqual(numbers, numbers.map((_n, i) => i), 'consecutive lines');
});

test('quit from JS ends a stuck child with aborted', async () => {
    const worker = sh('echo ready; exec sleep 60');
    const rec = new Recorder(worker);
    worker.start();
    await rec.until(() => rec.count('yielded') === 1);
    worker.quit();
    assert(worker.abort_requested, 'abort-requested after quit');
    await rec.finished();
    assertEqual(rec.log, 'SYAF', 'signals');
    assertEqual(worker.state, Tw.WorkerState.ABORTED, 'state');
});

test('quit from JS rejects the awaited run with TW_WORKER_ERROR_CANCELLED', async () => {
    const worker = sh(COUNTER);
    const rec = new Recorder(worker);
    worker.connect('yielded', () => worker.quit());
    let error = null;
    try {
        await worker.run_async(null);
    } catch (e) {
        error = e;
    }
    assert(error?.matches(Tw.WorkerError, Tw.WorkerError.CANCELLED), `cancelled, not ${error}`);
    assert(rec.log.endsWith('AF'), `ends aborted: ${rec.log}`);
    assertEqual(rec.wrongThread, [], 'handlers off the main thread');
});

test('send from JS writes lines to the child', async () => {
    const worker = Tw.SubprocessWorker.new(['cat']);
    const rec = new Recorder(worker);
    worker.start();
    await rec.until(() => rec.count('started') === 1);
    worker.send('hello');
    worker.send('world');
    worker.close_stdin();
    await rec.finished();
    assertEqual(rec.args.yielded, ['hello', 'world'], 'lines echoed by cat');
    assertEqual(rec.log, 'SYYRF', 'signals');
});

run();
