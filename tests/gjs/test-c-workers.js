// test-c-workers.js: C workers (their work runs on a worker thread, in C)
// handled from JavaScript: what an application's own C library gives GJS.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Tw from 'gi://Tw';
import TwTest from 'gi://TwTest';

import {Recorder, assertEqual, run, test} from './harness.js';

test('a C function worker that returns nothing gives null to returned', async () => {
    const worker = TwTest.nothing_worker_new();
    const rec = new Recorder(worker);
    worker.start();
    await rec.finished();

    assertEqual(rec.log, 'SRF', 'signals');
    assertEqual(rec.args.returned, [null], 'the returned value');
    assertEqual(worker.state, Tw.WorkerState.FINISHED, 'state');
});

test('a C generator that yields and then returns nothing gives null to returned', async () => {
    const worker = TwTest.yield_then_nothing_worker_new(3);
    const rec = new Recorder(worker);
    worker.start();
    await rec.finished();

    assertEqual(rec.log, 'SYYYRF', 'signals');
    assertEqual(rec.args.yielded, [3, 2, 1], 'the yielded values');
    assertEqual(rec.args.returned, [null], 'the returned value');
});

run();
