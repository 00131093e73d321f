/* test-lifecycle.c: runs after the first: restart (solara's retry) and
 * run_async/run_finish (the GIO async pattern over a run).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* A work whose runs the test drives: each run counts itself, can block on
 * a gate after it was quit, and reports how many runs execute at once. */

typedef struct
{
  int     runs;          /* atomic: runs whose work began */
  int     active;        /* atomic: works executing now */
  int     max_active;    /* atomic */
  TwGate  release;       /* a quit run waits on it before it returns */
  gboolean hold_after_quit;
  gint64  result;        /* returned by runs that are not quit */
  gboolean fail;         /* return an error instead */
  TwGate  finish;        /* runs that are not quit wait on it, then return */
} Driven;

static void
driven_init (Driven *d)
{
  memset (d, 0, sizeof *d);
  tw_gate_init (&d->release);
  tw_gate_init (&d->finish);
}

static void
driven_clear (Driven *d)
{
  tw_gate_clear (&d->release);
  tw_gate_clear (&d->finish);
}

static void
driven_work (TwWorker *worker,
             gpointer  user_data)
{
  Driven *d = user_data;
  int active = g_atomic_int_add (&d->active, 1) + 1;
  int max;
  int run = g_atomic_int_add (&d->runs, 1) + 1;

  do
    max = g_atomic_int_get (&d->max_active);
  while (active > max && !g_atomic_int_compare_and_exchange (&d->max_active, max, active));

  /* Wait until the test lets the run finish, or quits it. */
  while (!tw_gate_is_open (&d->finish) && tw_worker_checkpoint (worker))
    tw_worker_sleep (worker, 1);

  if (!tw_worker_checkpoint (worker))
    {
      if (d->hold_after_quit)
        tw_gate_wait (&d->release);
    }
  else if (d->fail)
    tw_worker_return_error (worker, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                 "run %d failed", run));
  else
    tw_worker_return_int (worker, d->result + run);

  g_atomic_int_add (&d->active, -1);
}

/* ------------------------------------------------------------------------ */
/* Restart                                                                  */

static void
test_restart_ends_old_run_before_new_started (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  g_assert_true (tw_worker_get_is_running (worker));
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2 &&
                      tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpstr (rec->log->str, ==, "SAFS");
  g_assert_false (tw_worker_get_abort_requested (worker));

  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 2);
  driven_clear (&d);
}

static void
test_restart_never_runs_two_threads_at_once (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  d.hold_after_quit = TRUE;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);

  /* The old work was quit but has not returned: the new run must wait. */
  tw_test_iterate_ticks (5);
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  g_assert_cmpstr (rec->log->str, ==, "S");
  g_assert_true (tw_worker_get_is_running (worker));

  d.hold_after_quit = FALSE;
  tw_gate_open (&d.release);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2);
  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);

  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_atomic_int_get (&d.max_active), ==, 1);
  driven_clear (&d);
}

static void
check_value_is_first_result (TwWorker *worker,
                             gpointer  user_data)
{
  const GValue *value = tw_worker_get_value (worker);

  g_assert_true (G_VALUE_HOLDS_INT64 (value));
  g_assert_cmpint (g_value_get_int64 (value), ==, 101);
}

static void
test_restart_keeps_previous_value_until_new_one (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  gulong handler;

  driven_init (&d);
  d.result = 100;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_gate_open (&d.finish);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 101);

  /* The second run is quit before it produces anything. */
  handler = g_signal_connect (worker, "started", G_CALLBACK (check_value_is_first_result), NULL);
  g_signal_connect (worker, "aborted", G_CALLBACK (check_value_is_first_result), NULL);
  tw_worker_restart (worker);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SRFSAF");
  check_value_is_first_result (worker, NULL);
  g_signal_handler_disconnect (worker, handler);
  g_signal_handlers_disconnect_by_func (worker, check_value_is_first_result, NULL);
  driven_clear (&d);
}

static void
check_error_is_first_one (TwWorker *worker,
                          gpointer  user_data)
{
  const GError *error = tw_worker_get_error (worker);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "run 1 failed");
}

static void
test_restart_keeps_previous_error_until_new_result (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  d.fail = TRUE;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_gate_open (&d.finish);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SEF");
  check_error_is_first_one (worker, NULL);

  /* Readable while the new run starts; replaced when it returns. */
  d.fail = FALSE;
  g_signal_connect (worker, "started", G_CALLBACK (check_error_is_first_one), NULL);
  tw_worker_restart (worker);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SEFSRF");
  g_assert_null (tw_worker_get_error (worker));
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 2);
  g_signal_handlers_disconnect_by_func (worker, check_error_is_first_one, NULL);
  driven_clear (&d);
}

static void
test_several_restarts_coalesce (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_restart (worker);
  tw_worker_restart (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2 &&
                      tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);
  tw_test_iterate_ticks (3);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 2);
  g_assert_false (tw_worker_get_is_running (worker));
  driven_clear (&d);
}

static void
test_restart_idle_worker_starts_it (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_gate_open (&d.finish);
  tw_worker_restart (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  driven_clear (&d);
}

static void
test_restart_while_waiting_for_a_thread (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  Driven blocking, d;
  g_autoptr(TwWorker) blocker = NULL;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&blocking);
  driven_init (&d);
  tw_pool_set_max_threads (pool, 1);
  blocker = tw_function_worker_new (driven_work, &blocking, NULL);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_pool (blocker, pool);
  tw_worker_set_pool (worker, pool);

  tw_worker_start (blocker);
  tw_worker_start (worker);
  tw_worker_restart (worker);
  /* The waiting run ends without running; the new one waits in its turn. */
  TW_TEST_WAIT_UNTIL (rec->n_finished == 1 &&
                      tw_worker_get_state (worker) == TW_WORKER_STATE_WAITING);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 0);

  tw_gate_open (&blocking.finish);
  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  driven_clear (&blocking);
  driven_clear (&d);
}

static void
test_quit_after_restart_cancels_the_new_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  tw_test_iterate_ticks (3);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  g_assert_false (tw_worker_get_is_running (worker));
  driven_clear (&d);
}

static void
start_once (TwWorker *worker,
            gpointer  user_data)
{
  gboolean *done = user_data;

  if (!*done)
    {
      *done = TRUE;
      tw_worker_start (worker);
    }
}

static void
test_start_from_finished_handler_satisfies_pending_restart (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  gboolean started_again = FALSE;

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  g_signal_connect (worker, "finished", G_CALLBACK (start_once), &started_again);
  tw_worker_restart (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2);
  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);
  tw_test_iterate_ticks (3);

  /* One new run, not one for the restart and one for the start. */
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 2);
  g_assert_false (tw_worker_get_is_running (worker));
  driven_clear (&d);
}

/* ------------------------------------------------------------------------ */
/* run_async / run_finish                                                   */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GValue    value;
  GError   *error;
  GThread  *thread;
} RunResult;

static void
run_result_clear (RunResult *r)
{
  if (G_IS_VALUE (&r->value))
    g_value_unset (&r->value);
  g_clear_error (&r->error);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RunResult *r = user_data;

  g_assert_false (r->done);
  r->thread = g_thread_self ();
  r->ok = tw_worker_run_finish (TW_WORKER (source), result, &r->value, &r->error);
  r->done = TRUE;
}

static void
test_run_async_returns_the_value (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  d.result = 41;
  tw_gate_open (&d.finish);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  g_assert_true (tw_worker_get_is_running (worker));
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_true (r.thread == g_thread_self ());
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int64 (&r.value), ==, 42);
  /* Completes after `finished`. */
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  run_result_clear (&r);
  driven_clear (&d);
}

static gboolean
yield_and_stop (TwWorker     *worker,
                const GValue *sent,
                gpointer      user_data)
{
  tw_worker_yield_int (worker, 5);
  return FALSE;
}

static void
test_run_async_without_result_gives_unset_value (void)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (yield_and_stop, NULL, NULL);
  RunResult r = { 0, };

  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (r.done);

  /* The run returned, with no value: not its last yielded one. */
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  g_assert_false (G_IS_VALUE (&r.value));
  run_result_clear (&r);
}

static void
test_run_async_returns_the_error (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  d.fail = TRUE;
  tw_gate_open (&d.finish);
  worker = tw_function_worker_new (driven_work, &d, NULL);

  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "run 1 failed");
  g_assert_false (G_IS_VALUE (&r.value));
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_quit_is_cancelled (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  tw_worker_set_name (worker, "the-quit-one");

  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_quit (worker);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_assert_nonnull (strstr (r.error->message, "the-quit-one"));
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_joins_a_running_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RunResult r1 = { 0, }, r2 = { 0, };

  driven_init (&d);
  d.result = 10;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_run_async (worker, NULL, run_done_cb, &r1);
  tw_worker_run_async (worker, NULL, run_done_cb, &r2);
  tw_gate_open (&d.finish);
  TW_TEST_WAIT_UNTIL (r1.done && r2.done);

  g_assert_true (r1.ok);
  g_assert_true (r2.ok);
  g_assert_cmpint (g_value_get_int64 (&r1.value), ==, 11);
  g_assert_cmpint (g_value_get_int64 (&r2.value), ==, 11);
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  run_result_clear (&r1);
  run_result_clear (&r2);
  driven_clear (&d);
}

static void
test_run_async_cancel_quits_the_run_it_started (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult r = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_run_async (worker, cancellable, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  g_cancellable_cancel (cancellable);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_false (tw_worker_get_is_running (worker));
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_cancel_leaves_a_joined_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult r = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_worker_run_async (worker, cancellable, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  g_cancellable_cancel (cancellable);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The run goes on. */
  g_assert_true (tw_worker_get_is_running (worker));
  g_assert_false (tw_worker_get_abort_requested (worker));
  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_with_cancelled_cancellable (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult r = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  g_cancellable_cancel (cancellable);
  tw_worker_run_async (worker, cancellable, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Like any GIO call given a cancelled cancellable: nothing was started. */
  tw_test_iterate_ticks (3);
  g_assert_cmpstr (rec->log->str, ==, "");
  g_assert_false (tw_worker_get_is_running (worker));
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 0);
  run_result_clear (&r);
  driven_clear (&d);
}

static void
weak_notify_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

static void
test_run_async_cancellable_does_not_keep_the_worker (void)
{
  Driven d;
  TwWorker *worker;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult r = { 0, };
  gboolean finalized = FALSE;

  driven_init (&d);
  tw_gate_open (&d.finish);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  g_object_weak_ref (G_OBJECT (worker), weak_notify_cb, &finalized);

  tw_worker_run_async (worker, cancellable, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (r.done);
  g_assert_true (r.ok);

  /* The app keeps its cancellable; the worker must still go. */
  g_object_unref (worker);
  TW_TEST_WAIT_UNTIL (finalized);

  /* Cancelling it later is harmless. */
  g_cancellable_cancel (cancellable);
  tw_test_iterate_ticks (2);
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_during_restart_gets_the_new_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  d.result = 20;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2);
  g_assert_false (r.done);
  tw_gate_open (&d.finish);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_true (r.ok);
  g_assert_cmpint (g_value_get_int64 (&r.value), ==, 22);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_during_restart_survives_another_restart (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  d.result = 30;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  tw_worker_restart (worker);   /* coalesces: still one new run to wait for */
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 2);
  g_assert_false (r.done);
  tw_gate_open (&d.finish);
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_true (r.ok);
  g_assert_cmpint (g_value_get_int64 (&r.value), ==, 32);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_then_quit_during_restart_is_cancelled (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RunResult r = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, NULL, run_done_cb, &r);
  tw_worker_quit (worker);   /* the restart will not happen */
  TW_TEST_WAIT_UNTIL (r.done);

  g_assert_false (r.ok);
  g_assert_error (r.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_false (tw_worker_get_is_running (worker));
  run_result_clear (&r);
  driven_clear (&d);
}

static void
test_run_async_cancel_during_restart (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult r = { 0, };

  driven_init (&d);
  d.hold_after_quit = TRUE;
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, cancellable, run_done_cb, &r);
  /* The old run is still ending; the call waits for the new run. */
  g_cancellable_cancel (cancellable);
  TW_TEST_WAIT_UNTIL (r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  d.hold_after_quit = FALSE;
  tw_gate_open (&d.release);
  tw_gate_open (&d.finish);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  run_result_clear (&r);
  driven_clear (&d);
}

/* restart() then quit() from the old run's `finished` handler, the
 * documented way to cancel a restart once the old run has ended: the new
 * run never begins and the calls waiting for it are cancelled. */
typedef struct
{
  gboolean   quit;          /* quit() was called from the handler */
  gboolean   running_after; /* is-running right after it */
  guint      n_running_notify;
} QuitInHandler;

static void
quit_once_in_handler (TwWorker      *worker,
                      QuitInHandler *q)
{
  if (q->quit)
    return;
  q->quit = TRUE;
  tw_worker_quit (worker);
  q->running_after = tw_worker_get_is_running (worker);
}

static void
count_is_running_notify (TwWorker      *worker,
                         GParamSpec    *pspec,
                         QuitInHandler *q)
{
  q->n_running_notify++;
}

static void
test_quit_from_finished_after_restart_cancels_the_new_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  QuitInHandler q = { 0, };
  RunResult old_run = { 0, }, new_run = { 0, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_run_async (worker, NULL, run_done_cb, &old_run);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  g_signal_connect (worker, "finished", G_CALLBACK (quit_once_in_handler), &q);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, NULL, run_done_cb, &new_run);   /* waits for the new run */
  g_signal_connect (worker, "notify::is-running", G_CALLBACK (count_is_running_notify), &q);
  TW_TEST_WAIT_UNTIL (old_run.done && new_run.done);
  tw_test_iterate_ticks (3);

  g_assert_true (q.quit);
  g_assert_false (q.running_after);
  g_assert_cmpuint (q.n_running_notify, >=, 1);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  g_assert_false (tw_worker_get_is_running (worker));
  g_assert_error (old_run.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_assert_error (new_run.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_signal_handlers_disconnect_by_data (worker, &q);
  run_result_clear (&old_run);
  run_result_clear (&new_run);
  driven_clear (&d);
}

typedef struct
{
  RunResult result;
  gboolean  running_after;
} QuitInCallback;

static void
quit_in_run_async_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  QuitInCallback *q = user_data;
  TwWorker *worker = TW_WORKER (source);

  run_done_cb (source, result, &q->result);
  tw_worker_quit (worker);
  q->running_after = tw_worker_get_is_running (worker);
}

/* The same from the old run's run_async callback. */
static void
test_quit_from_run_async_callback_after_restart_cancels_the_new_run (void)
{
  Driven d;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  QuitInCallback q = { { 0, }, };

  driven_init (&d);
  worker = tw_function_worker_new (driven_work, &d, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_run_async (worker, NULL, quit_in_run_async_cb, &q);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&d.runs) == 1);
  tw_worker_restart (worker);
  TW_TEST_WAIT_UNTIL (q.result.done);
  tw_test_iterate_ticks (3);

  g_assert_error (q.result.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_assert_false (q.running_after);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (g_atomic_int_get (&d.runs), ==, 1);
  g_assert_false (tw_worker_get_is_running (worker));
  run_result_clear (&q.result);
  driven_clear (&d);
}

/* A `finished` handler that starts another run and iterates the owner
 * context until it has ended (both are allowed): the run_async calls of the
 * first run still get the first run's outcome. */
typedef enum
{
  FIRST_RETURNS_INT,
  FIRST_ERRORS,
  FIRST_RETURNS_POINTER,
} FirstRun;

typedef struct
{
  FirstRun first;
  int      runs;           /* atomic */
  guint    n_finished;
  gboolean nested_done;
  int      n_freed[3];     /* pointer results freed, by run */
} Nested;

typedef struct
{
  Nested *nested;
  int     run;
} RunPointer;

static void
run_pointer_free (gpointer data)
{
  RunPointer *p = data;

  p->nested->n_freed[p->run]++;
  g_free (p);
}

static void
nested_work (TwWorker *worker,
             gpointer  user_data)
{
  Nested *n = user_data;
  int run = g_atomic_int_add (&n->runs, 1) + 1;

  if (run > 1 || n->first == FIRST_RETURNS_INT)
    tw_worker_return_int (worker, 111 * run);
  else if (n->first == FIRST_ERRORS)
    tw_worker_return_error (worker, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "run %d failed", run));
  else
    {
      RunPointer *p = g_new (RunPointer, 1);

      p->nested = n;
      p->run = run;
      tw_worker_return_pointer (worker, p, run_pointer_free);
    }
}

static void
run_another_in_finished (TwWorker *worker,
                         Nested   *n)
{
  if (++n->n_finished > 1)
    return;
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (n->n_finished == 2);
  n->nested_done = TRUE;
}

typedef struct
{
  RunResult  result;
  Nested    *nested;
  gboolean   pointer_alive;   /* the pointer's destroy had not run */
} NestedResult;

static void
nested_run_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  NestedResult *r = user_data;

  run_done_cb (source, result, &r->result);
  if (G_VALUE_HOLDS_POINTER (&r->result.value))
    {
      RunPointer *p = g_value_get_pointer (&r->result.value);

      /* Read only if it was not freed: a freed one must fail, not crash. */
      r->pointer_alive = r->nested->n_freed[1] == 0 && p->run == 1;
    }
}

static void
run_async_with_nested_run_in_finished (FirstRun first)
{
  Nested n = { first, };
  g_autoptr(TwWorker) worker = tw_function_worker_new (nested_work, &n, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  NestedResult r[2] = { { { 0, }, &n }, { { 0, }, &n } };

  g_signal_connect (worker, "finished", G_CALLBACK (run_another_in_finished), &n);
  tw_worker_run_async (worker, NULL, nested_run_done_cb, &r[0]);
  tw_worker_run_async (worker, NULL, nested_run_done_cb, &r[1]);
  TW_TEST_WAIT_UNTIL (r[0].result.done && r[1].result.done);

  g_assert_true (n.nested_done);
  g_assert_cmpint (g_atomic_int_get (&n.runs), ==, 2);
  /* The recorder logs `finished` before our handler runs the second run. */
  g_assert_cmpstr (rec->log->str, ==, (first == FIRST_ERRORS ? "SEFSRF" : "SRFSRF"));
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      switch (first)
        {
        case FIRST_RETURNS_INT:
          g_assert_true (r[i].result.ok);
          g_assert_cmpint (g_value_get_int64 (&r[i].result.value), ==, 111);
          break;
        case FIRST_ERRORS:
          g_assert_false (r[i].result.ok);
          g_assert_error (r[i].result.error, G_IO_ERROR, G_IO_ERROR_FAILED);
          g_assert_cmpstr (r[i].result.error->message, ==, "run 1 failed");
          break;
        case FIRST_RETURNS_POINTER:
        default:
          g_assert_true (r[i].result.ok);
          g_assert_true (G_VALUE_HOLDS_POINTER (&r[i].result.value));
          g_assert_true (r[i].pointer_alive);
          break;
        }
      run_result_clear (&r[i].result);
    }
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 222);
  g_signal_handlers_disconnect_by_data (worker, &n);
  g_clear_pointer (&rec, tw_recorder_free);
  g_assert_finalize_object (g_steal_pointer (&worker));
  /* Each pointer result was freed once, the worker's value being an int. */
  g_assert_cmpint (n.n_freed[1], ==, first == FIRST_RETURNS_POINTER ? 1 : 0);
}

static void
test_run_async_gets_its_value_when_finished_runs_another (void)
{
  run_async_with_nested_run_in_finished (FIRST_RETURNS_INT);
}

static void
test_run_async_gets_its_error_when_finished_runs_another (void)
{
  run_async_with_nested_run_in_finished (FIRST_ERRORS);
}

static void
test_run_async_pointer_outlives_a_newer_value (void)
{
  run_async_with_nested_run_in_finished (FIRST_RETURNS_POINTER);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Lifecycle/restart-ends-old-run-before-new-started",
                   test_restart_ends_old_run_before_new_started);
  g_test_add_func ("/Tw/Lifecycle/restart-never-runs-two-threads-at-once",
                   test_restart_never_runs_two_threads_at_once);
  g_test_add_func ("/Tw/Lifecycle/restart-keeps-previous-value-until-new-one",
                   test_restart_keeps_previous_value_until_new_one);
  g_test_add_func ("/Tw/Lifecycle/restart-keeps-previous-error-until-new-result",
                   test_restart_keeps_previous_error_until_new_result);
  g_test_add_func ("/Tw/Lifecycle/several-restarts-coalesce", test_several_restarts_coalesce);
  g_test_add_func ("/Tw/Lifecycle/restart-idle-worker-starts-it", test_restart_idle_worker_starts_it);
  g_test_add_func ("/Tw/Lifecycle/restart-while-waiting-for-a-thread",
                   test_restart_while_waiting_for_a_thread);
  g_test_add_func ("/Tw/Lifecycle/quit-after-restart-cancels-the-new-run",
                   test_quit_after_restart_cancels_the_new_run);
  g_test_add_func ("/Tw/Lifecycle/start-from-finished-handler-satisfies-pending-restart",
                   test_start_from_finished_handler_satisfies_pending_restart);

  g_test_add_func ("/Tw/Lifecycle/run-async-returns-the-value", test_run_async_returns_the_value);
  g_test_add_func ("/Tw/Lifecycle/run-async-without-result-gives-unset-value",
                   test_run_async_without_result_gives_unset_value);
  g_test_add_func ("/Tw/Lifecycle/run-async-returns-the-error", test_run_async_returns_the_error);
  g_test_add_func ("/Tw/Lifecycle/run-async-quit-is-cancelled", test_run_async_quit_is_cancelled);
  g_test_add_func ("/Tw/Lifecycle/run-async-joins-a-running-run", test_run_async_joins_a_running_run);
  g_test_add_func ("/Tw/Lifecycle/run-async-cancel-quits-the-run-it-started",
                   test_run_async_cancel_quits_the_run_it_started);
  g_test_add_func ("/Tw/Lifecycle/run-async-cancel-leaves-a-joined-run",
                   test_run_async_cancel_leaves_a_joined_run);
  g_test_add_func ("/Tw/Lifecycle/run-async-with-cancelled-cancellable-starts-nothing",
                   test_run_async_with_cancelled_cancellable);
  g_test_add_func ("/Tw/Lifecycle/run-async-cancellable-does-not-keep-the-worker",
                   test_run_async_cancellable_does_not_keep_the_worker);
  g_test_add_func ("/Tw/Lifecycle/run-async-during-restart-gets-the-new-run",
                   test_run_async_during_restart_gets_the_new_run);
  g_test_add_func ("/Tw/Lifecycle/run-async-during-restart-survives-another-restart",
                   test_run_async_during_restart_survives_another_restart);
  g_test_add_func ("/Tw/Lifecycle/run-async-then-quit-during-restart-is-cancelled",
                   test_run_async_then_quit_during_restart_is_cancelled);
  g_test_add_func ("/Tw/Lifecycle/run-async-cancel-during-restart",
                   test_run_async_cancel_during_restart);
  g_test_add_func ("/Tw/Lifecycle/quit-from-finished-after-restart-cancels-the-new-run",
                   test_quit_from_finished_after_restart_cancels_the_new_run);
  g_test_add_func ("/Tw/Lifecycle/quit-from-run-async-callback-after-restart-cancels-the-new-run",
                   test_quit_from_run_async_callback_after_restart_cancels_the_new_run);
  g_test_add_func ("/Tw/Lifecycle/run-async-gets-its-value-when-finished-runs-another",
                   test_run_async_gets_its_value_when_finished_runs_another);
  g_test_add_func ("/Tw/Lifecycle/run-async-gets-its-error-when-finished-runs-another",
                   test_run_async_gets_its_error_when_finished_runs_another);
  g_test_add_func ("/Tw/Lifecycle/run-async-pointer-outlives-a-newer-value",
                   test_run_async_pointer_outlives_a_newer_value);

  return g_test_run ();
}
