/* test-vala.vala: the Vala bindings (threadworker-1.vapi) drive a generator
 * worker: steps run on a worker thread, values arrive in order on the main
 * thread, sent values reach later steps, run_async is awaitable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const uint DEADLINE_MS = 30000;

unowned Thread<void*> main_thread;

/* Runs @loop until @done holds; a test that outlives the deadline fails. */
void run_until (MainLoop loop, owned SourceFunc done)
{
  bool timed_out = false;
  var deadline = Timeout.add (DEADLINE_MS, () => {
    timed_out = true;
    return Source.REMOVE;
  });
  while (!done () && !timed_out)
    loop.get_context ().iteration (true);
  if (timed_out)
    error ("timed out after %u ms", DEADLINE_MS);
  Source.remove (deadline);
}

void test_generator_yields_in_order ()
{
  var loop = new MainLoop ();
  int64 next = 0;          /* touched only by the steps, on the worker thread */
  bool steps_on_worker_thread = true;
  var got = new GenericArray<int64?> ();
  bool handlers_on_main_thread = true;
  bool finished = false;
  string order = "";

  var worker = new Tw.GeneratorWorker ((w, sent) => {
    if (Thread.self<void*> () == main_thread)
      steps_on_worker_thread = false;
    w.yield_int (next++);
    return next < 100;
  });
  worker.started.connect (() => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    order += "S";
  });
  worker.yielded.connect ((v) => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    got.add (v.get_int64 ());
  });
  worker.returned.connect ((v) => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    order += "R";
  });
  worker.finished.connect (() => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    order += "F";
    finished = true;
  });

  worker.start ();
  run_until (loop, () => finished);

  assert_cmpstr (order, CompareOperator.EQ, "SRF");
  assert_cmpuint (got.length, CompareOperator.EQ, 100);
  for (int i = 0; i < got.length; i++)
    assert_cmpint ((int) got[i], CompareOperator.EQ, i);
  assert_true (steps_on_worker_thread);
  assert_true (handlers_on_main_thread);
  assert_true (worker.state == Tw.WorkerState.FINISHED);
}

void test_sent_values_reach_steps ()
{
  var loop = new MainLoop ();
  int64 total = 0;
  bool handlers_on_main_thread = true;
  bool finished = false;
  int64 returned = -1;

  /* Yields its running total; sums what it is sent; returns at 10 or more. */
  var worker = new Tw.GeneratorWorker ((w, sent) => {
    if (sent != null)
      total += sent.get_int64 ();
    if (total >= 10)
      {
        w.return_int (total);
        return false;
      }
    w.yield_int (total);
    return true;
  });
  /* Pausing on each yield makes the exchange deterministic: the value sent
   * from the handler is read by the step after the resume. */
  worker.yielded.connect ((v) => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    worker.pause ();
  });
  worker.paused.connect (() => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    try
      {
        worker.send ((int64) 4);
      }
    catch (Error e)
      {
        error ("send failed: %s", e.message);
      }
    worker.resume ();
  });
  worker.returned.connect ((v) => {
    handlers_on_main_thread &= Thread.self<void*> () == main_thread;
    returned = v.get_int64 ();
  });
  worker.finished.connect (() => { finished = true; });

  worker.start ();
  run_until (loop, () => finished);

  assert_cmpint ((int) returned, CompareOperator.EQ, 12);
  assert_true (handlers_on_main_thread);
}

async int64 run_worker (Tw.Worker worker) throws Error
{
  Value value;
  yield worker.run_async (null, out value);
  return value.get_int64 ();
}

void test_run_async_is_awaitable ()
{
  var loop = new MainLoop ();
  var worker = new Tw.FunctionWorker ((w) => { w.return_int (42); });
  int64 result = 0;
  bool done = false;

  run_worker.begin (worker, (obj, res) => {
    assert_true (Thread.self<void*> () == main_thread);
    try
      {
        result = run_worker.end (res);
      }
    catch (Error e)
      {
        error ("run_async failed: %s", e.message);
      }
    done = true;
  });
  run_until (loop, () => done);

  assert_cmpint ((int) result, CompareOperator.EQ, 42);
}

int main (string[] args)
{
  Test.init (ref args);
  main_thread = Thread.self<void*> ();

  Test.add_func ("/Tw/Vala/generator-yields-in-order-on-main-thread",
                 test_generator_yields_in_order);
  Test.add_func ("/Tw/Vala/sent-values-reach-later-steps",
                 test_sent_values_reach_steps);
  Test.add_func ("/Tw/Vala/run-async-is-awaitable",
                 test_run_async_is_awaitable);

  return Test.run ();
}
