/* test-worker.c: the per-run signal contract of function and generator
 * workers: signal order, results and errors, pause/resume/quit, send,
 * values of any type, properties, lifetime and programmer errors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>

/* ------------------------------------------------------------------------ */
/* Work used by several tests                                               */

/* Yields 0, 1, 2, ... one per step until quit. */
static gboolean
count_forever (TwWorker     *worker,
               const GValue *sent,
               gpointer      user_data)
{
  gint64 *i = user_data;

  return tw_worker_yield_int (worker, (*i)++);
}

static TwPool *
new_pool_with_one_thread (void)
{
  TwPool *pool = tw_pool_new ();

  tw_pool_set_max_threads (pool, 1);
  return pool;
}

static guint
count_char (const char *s,
            char        c)
{
  guint n = 0;

  for (; *s != '\0'; s++)
    n += *s == c;
  return n;
}

/* ------------------------------------------------------------------------ */
/* Signal order and results                                                 */

static void
test_function_returns_value (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 42);
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 42);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);
  g_assert_false (tw_worker_get_is_running (worker));
}

static gboolean
count_to_10000 (TwWorker     *worker,
                const GValue *sent,
                gpointer      user_data)
{
  gint64 *i = user_data;

  tw_worker_yield_int (worker, (*i)++);
  return *i < 10000;
}

static void
test_generator_10000_yields_in_order (void)
{
  gint64 counter = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_to_10000, &counter, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->values->len, ==, 10000);
  for (guint i = 0; i < 10000; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  g_assert_cmpuint (rec->log->len, ==, 10003);
  tw_assert_one_run (rec->log->str, 'R');
}

static void
yield_warn_and_return (TwWorker *worker,
                       gpointer  user_data)
{
  tw_worker_yield_int (worker, 1);
  tw_worker_warn (worker, "first");
  tw_worker_yield_int (worker, 2);
  tw_worker_warn (worker, "second");
  tw_worker_yield_int (worker, 3);
  tw_worker_return_int (worker, 4);
}

static void
test_started_first_then_yields_warnings_in_order (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_warn_and_return, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYWYWYRF");
  g_assert_cmpint (tw_recorder_int (rec, 0), ==, 1);
  g_assert_cmpint (tw_recorder_int (rec, 1), ==, 2);
  g_assert_cmpint (tw_recorder_int (rec, 2), ==, 3);
  g_assert_cmpstr (g_ptr_array_index (rec->warnings, 0), ==, "first");
  g_assert_cmpstr (g_ptr_array_index (rec->warnings, 1), ==, "second");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 4);
}

static gboolean
yield_twice_then_return_from_step (TwWorker     *worker,
                                   const GValue *sent,
                                   gpointer      user_data)
{
  guint *steps = user_data;

  (*steps)++;
  tw_worker_yield_int (worker, *steps);
  if (*steps == 2)
    tw_worker_return_string (worker, "done");
  return TRUE;   /* the result ends the run, not the return value */
}

static void
test_generator_result_ends_the_run (void)
{
  guint steps = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (yield_twice_then_return_from_step,
                                                        &steps, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYRF");
  g_assert_cmpuint (steps, ==, 2);
  g_assert_cmpstr (g_value_get_string (&rec->returned), ==, "done");
}

static gboolean
stop_at_once (TwWorker     *worker,
              const GValue *sent,
              gpointer      user_data)
{
  return FALSE;
}

static void
test_generator_without_result_returns_nothing (void)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (stop_at_once, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  /* Nothing is a NULL pointer, which bindings can convert. */
  g_assert_true (G_VALUE_HOLDS_POINTER (&rec->returned));
  g_assert_null (g_value_get_pointer (&rec->returned));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);
}

static gboolean
yield_then_stop (TwWorker     *worker,
                 const GValue *sent,
                 gpointer      user_data)
{
  tw_worker_yield_string (worker, "preview");
  return FALSE;
}

static void
test_run_without_result_keeps_last_yielded_value (void)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (yield_then_stop, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  /* `returned` says there was no result ... */
  g_assert_true (G_VALUE_HOLDS_POINTER (&rec->returned));
  g_assert_null (g_value_get_pointer (&rec->returned));
  /* ... and the value is still the last one delivered. */
  g_assert_cmpstr (g_value_get_string (tw_worker_get_value (worker)), ==, "preview");
}

static void
fail_with_error (TwWorker *worker,
                 gpointer  user_data)
{
  tw_worker_yield_int (worker, 1);
  tw_worker_return_error (worker, g_error_new (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                                               "broken: %d", 7));
}

static void
test_return_error_emits_errored (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (fail_with_error, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  const GError *error;

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYEF");
  g_assert_error (rec->error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_assert_cmpstr (rec->error->message, ==, "broken: 7");
  error = tw_worker_get_error (worker);
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ERRORED);
}

static gboolean
fail_on_third_step (TwWorker     *worker,
                    const GValue *sent,
                    gpointer      user_data)
{
  guint *steps = user_data;

  if (++(*steps) == 3)
    {
      tw_worker_return_error (worker, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                           "gone"));
      return TRUE;
    }
  tw_worker_yield_int (worker, *steps);
  return TRUE;
}

static void
test_generator_error_ends_the_run (void)
{
  guint steps = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (fail_on_third_step, &steps, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYEF");
  g_assert_cmpuint (steps, ==, 3);
  g_assert_error (rec->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_start_again_from_finished_handler (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_signal_connect (worker, "finished", G_CALLBACK (tw_worker_start), NULL);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 3);
  g_signal_handlers_disconnect_by_func (worker, tw_worker_start, NULL);
  tw_recorder_wait_finished (rec, 4);

  g_assert_cmpstr (rec->log->str, ==, "SRFSRFSRFSRF");
}

/* ------------------------------------------------------------------------ */
/* Quit                                                                     */

static void
test_quit_while_running_aborts (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  tw_worker_quit (worker);
  g_assert_true (tw_worker_get_abort_requested (worker));
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
  g_assert_false (tw_worker_get_is_running (worker));
}

static void
return_after_quit (TwWorker *worker,
                   gpointer  user_data)
{
  tw_test_work_loop_until_quit (worker, NULL);
  tw_worker_return_int (worker, 7);
}

static void
test_returned_never_after_quit (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (return_after_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_false (G_IS_VALUE (tw_worker_get_value (worker)));
}

static void
open_gate (TwWorker *worker,
           gpointer  user_data)
{
  tw_gate_open (user_data);
}

/* The pool has one thread: it takes the second worker's run only after it
 * pushed the end of the first one, so once the second work runs, `returned`
 * of the first is queued on the owner context, not yet emitted. */
static void
test_quit_while_returned_is_queued_aborts (void)
{
  g_autoptr(TwPool) pool = new_pool_with_one_thread ();
  g_autoptr(TwWorker) first = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwWorker) second = NULL;
  g_autoptr(TwRecorder) rec = tw_recorder_new (first);
  TwGate second_running;

  tw_gate_init (&second_running);
  second = tw_function_worker_new (open_gate, &second_running, NULL);
  tw_worker_set_pool (first, pool);
  tw_worker_set_pool (second, pool);

  tw_worker_start (first);
  tw_worker_start (second);
  tw_gate_wait (&second_running);   /* without iterating the owner context */
  g_assert_cmpstr (rec->log->str, ==, "");

  tw_worker_quit (first);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (tw_worker_get_state (first), ==, TW_WORKER_STATE_ABORTED);
  g_assert_false (G_IS_VALUE (tw_worker_get_value (first)));
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (second));
  tw_gate_clear (&second_running);
}

static gboolean
pause_at_once (TwWorker     *worker,
               const GValue *sent,
               gpointer      user_data)
{
  return tw_worker_yield_int (worker, 0);
}

static void
test_quit_while_paused_aborts (void)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (pause_at_once, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  /* No `resumed`: quitting a paused worker wakes it only to end it. */
  g_assert_cmpint (count_char (rec->log->str, 'P'), ==, 1);
  g_assert_cmpint (count_char (rec->log->str, 'U'), ==, 0);
  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
  g_assert_false (tw_worker_get_is_paused (worker));
}

static void
count_calls (TwWorker *worker,
             gpointer  user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

static void
test_quit_while_waiting_never_calls_work (void)
{
  g_autoptr(TwPool) pool = new_pool_with_one_thread ();
  g_autoptr(TwWorker) blocker = NULL;
  g_autoptr(TwWorker) waiting = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  TwGate gate;
  int calls = 0;

  tw_gate_init (&gate);
  blocker = tw_function_worker_new (tw_test_work_wait_for_gate, &gate, NULL);
  waiting = tw_function_worker_new (count_calls, &calls, NULL);
  rec = tw_recorder_new (waiting);
  tw_worker_set_pool (blocker, pool);
  tw_worker_set_pool (waiting, pool);

  tw_worker_start (blocker);
  tw_worker_start (waiting);
  g_assert_cmpint (tw_worker_get_state (waiting), ==, TW_WORKER_STATE_WAITING);
  tw_worker_quit (waiting);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpint (tw_worker_get_state (waiting), ==, TW_WORKER_STATE_ABORTED);

  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  g_assert_cmpint (g_atomic_int_get (&calls), ==, 0);
  tw_gate_clear (&gate);
}

static void
test_quit_idle_worker_is_noop (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_quit (worker);
  tw_test_iterate_ticks (3);

  g_assert_cmpstr (rec->log->str, ==, "");
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_IDLE);
  g_assert_false (tw_worker_get_abort_requested (worker));

  /* And the worker still works. */
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
}

static void
test_quit_finished_worker_is_noop (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  tw_worker_quit (worker);
  tw_test_iterate_ticks (3);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);
  g_assert_false (tw_worker_get_abort_requested (worker));
}

typedef struct
{
  TwGate  reading;
  GError *error;
  int     fd;
} BlockingRead;

static void
read_pipe_that_never_gets_data (TwWorker *worker,
                                gpointer  user_data)
{
  BlockingRead *data = user_data;
  g_autoptr(GInputStream) stream = g_unix_input_stream_new (data->fd, FALSE);
  char buffer[16];
  gssize n;

  tw_gate_open (&data->reading);
  n = g_input_stream_read (stream, buffer, sizeof buffer,
                           tw_worker_get_cancellable (worker), &data->error);
  g_assert_cmpint (n, ==, -1);
}

static void
test_quit_cancels_blocking_gio_call (void)
{
  BlockingRead data = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  tw_gate_init (&data.reading);
  data.fd = fds[0];

  worker = tw_function_worker_new (read_pipe_that_never_gets_data, &data, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_start (worker);
  tw_gate_wait (&data.reading);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_error (&data.error);
  tw_gate_clear (&data.reading);
  close (fds[0]);
  close (fds[1]);
}

/* The run's cancellable is made when the work first asks for it: one asked
 * for after quit() must come cancelled, and one asked for before must be
 * cancelled by it. */
typedef struct
{
  TwGate        asked;     /* the work has its first cancellable */
  TwGate        quit;      /* the owner has quit */
  gboolean      early_cancelled_at_first;
  gboolean      early_cancelled;
  gboolean      late_cancelled;
  gboolean      same;
  GThread      *thread;
} CancellableOrder;

static void
ask_for_the_cancellable_before_and_after_quit (TwWorker *worker,
                                               gpointer  user_data)
{
  CancellableOrder *data = user_data;
  GCancellable *early = tw_worker_get_cancellable (worker);

  data->thread = g_thread_self ();
  data->early_cancelled_at_first = g_cancellable_is_cancelled (early);
  tw_gate_open (&data->asked);
  tw_gate_wait (&data->quit);
  data->early_cancelled = g_cancellable_is_cancelled (early);
  data->same = tw_worker_get_cancellable (worker) == early;
}

static void
ask_for_the_cancellable_after_quit (TwWorker *worker,
                                    gpointer  user_data)
{
  CancellableOrder *data = user_data;

  tw_gate_open (&data->asked);
  tw_gate_wait (&data->quit);
  data->late_cancelled = g_cancellable_is_cancelled (tw_worker_get_cancellable (worker));
}

static void
test_cancellable_asked_for_before_or_after_quit_is_cancelled (void)
{
  CancellableOrder data = { 0, };
  TwWorkFunc works[] = { ask_for_the_cancellable_before_and_after_quit,
                         ask_for_the_cancellable_after_quit };

  for (guint i = 0; i < G_N_ELEMENTS (works); i++)
    {
      g_autoptr(TwWorker) worker = tw_function_worker_new (works[i], &data, NULL);
      g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

      tw_gate_init (&data.asked);
      tw_gate_init (&data.quit);
      tw_worker_start (worker);
      tw_gate_wait (&data.asked);
      tw_worker_quit (worker);
      tw_gate_open (&data.quit);
      tw_recorder_wait_finished (rec, 1);
      g_assert_cmpstr (rec->log->str, ==, "SAF");
      tw_gate_clear (&data.asked);
      tw_gate_clear (&data.quit);
    }

  g_assert_true (data.thread != g_thread_self ());
  g_assert_false (data.early_cancelled_at_first);
  g_assert_true (data.early_cancelled);
  g_assert_true (data.same);
  g_assert_true (data.late_cancelled);
}

/* ------------------------------------------------------------------------ */
/* Pause and resume                                                         */

typedef struct
{
  gint64 i;
  int    steps;      /* atomic */
  int    at_paused;  /* steps when `paused` was emitted */
} Counting;

static gboolean
count_steps_forever (TwWorker     *worker,
                     const GValue *sent,
                     gpointer      user_data)
{
  Counting *c = user_data;

  g_atomic_int_inc (&c->steps);
  return tw_worker_yield_int (worker, c->i++);
}

static void
remember_steps (TwWorker *worker,
                gpointer  user_data)
{
  Counting *c = user_data;

  c->at_paused = g_atomic_int_get (&c->steps);
}

static void
test_paused_emitted_only_after_really_pausing (void)
{
  Counting c = { 0, };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_steps_forever, &c, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  const char *p;

  g_signal_connect (worker, "paused", G_CALLBACK (remember_steps), &c);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= 10);
  tw_worker_pause (worker);
  /* Requested, not yet effective: nothing changes until the work pauses. */
  g_assert_false (tw_worker_get_is_paused (worker));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_RUNNING);

  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_PAUSED);

  /* Really paused: the work makes no step and yields nothing more. */
  tw_test_iterate_ticks (5);
  g_assert_cmpint (g_atomic_int_get (&c.steps), ==, c.at_paused);
  p = strchr (rec->log->str, 'P');
  g_assert_nonnull (p);
  g_assert_cmpstr (p, ==, "P");
  g_assert_cmpuint (rec->values->len, ==, (guint) c.at_paused);

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
}

static void
test_resume_continues_the_work (void)
{
  Counting c = { 0, };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_steps_forever, &c, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  guint before;

  tw_worker_start (worker);
  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  before = rec->values->len;

  tw_worker_resume (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= before + 10);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_RUNNING);
  g_assert_false (tw_worker_get_is_paused (worker));

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpint (count_char (rec->log->str, 'P'), ==, 1);
  g_assert_cmpint (count_char (rec->log->str, 'U'), ==, 1);
  g_assert_true (strchr (rec->log->str, 'P') < strchr (rec->log->str, 'U'));
  for (guint i = 0; i < rec->values->len; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
}

static void
test_toggle_pause_sequence (void)
{
  Counting c = { 0, };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_steps_forever, &c, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GString) expected = g_string_new ("");
  g_autoptr(GString) pauses = g_string_new ("");

  tw_worker_start (worker);
  for (guint round = 0; round < 20; round++)
    {
      guint before;

      tw_worker_toggle_pause (worker);
      TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
      before = rec->values->len;
      tw_worker_toggle_pause (worker);
      TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING &&
                          rec->values->len > before);
      g_string_append (expected, "PU");
    }
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'A');
  for (const char *s = rec->log->str; *s != '\0'; s++)
    if (*s == 'P' || *s == 'U')
      g_string_append_c (pauses, *s);
  g_assert_cmpstr (pauses->str, ==, expected->str);
  for (guint i = 0; i < rec->values->len; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
}

typedef struct
{
  TwGate go;
  int    checkpoints_passed;
} GatedLoop;

static void
wait_then_checkpoint (TwWorker *worker,
                      gpointer  user_data)
{
  GatedLoop *data = user_data;

  tw_gate_wait (&data->go);
  for (guint i = 0; i < 100; i++)
    if (tw_worker_checkpoint (worker))
      g_atomic_int_inc (&data->checkpoints_passed);
  tw_worker_return_int (worker, 1);
}

static void
test_resume_before_pause_takes_effect_emits_nothing (void)
{
  GatedLoop data = { 0, };
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  tw_gate_init (&data.go);
  worker = tw_function_worker_new (wait_then_checkpoint, &data, NULL);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  /* The work is blocked before its first checkpoint. */
  tw_worker_pause (worker);
  tw_worker_resume (worker);
  tw_gate_open (&data.go);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (data.checkpoints_passed, ==, 100);
  tw_gate_clear (&data.go);
}

static void
test_pause_while_waiting_pauses_at_start (void)
{
  g_autoptr(TwPool) pool = new_pool_with_one_thread ();
  g_autoptr(TwWorker) blocker = NULL;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  Counting c = { 0, };
  TwGate gate;

  tw_gate_init (&gate);
  blocker = tw_function_worker_new (tw_test_work_wait_for_gate, &gate, NULL);
  worker = tw_generator_worker_new (count_steps_forever, &c, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_pool (blocker, pool);
  tw_worker_set_pool (worker, pool);

  tw_worker_start (blocker);
  tw_worker_start (worker);
  tw_worker_pause (worker);
  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));

  /* Paused before its first step. */
  g_assert_cmpstr (rec->log->str, ==, "SP");
  g_assert_cmpint (g_atomic_int_get (&c.steps), ==, 0);

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SPAF");
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  tw_gate_clear (&gate);
}

/* ------------------------------------------------------------------------ */
/* Send                                                                     */

#define N_SENT 100

typedef struct
{
  GMutex lock;
  gint64 step;
  gint64 received[N_SENT];       /* the value each receipt carried */
  gint64 received_at[N_SENT];    /* the step that received it */
  guint  n_received;
  gint64 sent_after[N_SENT];     /* the last step yielded when it was sent */
  guint  n_sent;
} SendData;

static gboolean
receive_step (TwWorker     *worker,
              const GValue *sent,
              gpointer      user_data)
{
  SendData *data = user_data;
  gboolean more;
  gint64 step;

  g_mutex_lock (&data->lock);
  step = ++data->step;
  if (sent != NULL)
    {
      g_assert_true (G_VALUE_HOLDS_INT64 (sent));
      data->received[data->n_received] = g_value_get_int64 (sent);
      data->received_at[data->n_received] = step;
      data->n_received++;
    }
  more = data->n_received < N_SENT;
  g_mutex_unlock (&data->lock);

  tw_worker_yield_int (worker, step);
  return more;
}

static void
send_on_yield (TwWorker     *worker,
               const GValue *value,
               SendData     *data)
{
  /* Send in bursts, so several values wait for the same step. */
  for (guint i = 0; i < 3 && data->n_sent < N_SENT; i++)
    {
      g_auto(GValue) v = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      g_value_init (&v, G_TYPE_INT64);
      g_value_set_int64 (&v, data->n_sent);
      data->sent_after[data->n_sent] = g_value_get_int64 (value);
      g_assert_true (tw_worker_send (worker, &v, &error));
      g_assert_no_error (error);
      data->n_sent++;
    }
}

static void
test_send_each_value_to_one_later_step_in_order (void)
{
  SendData data = { 0, };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (receive_step, &data, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_mutex_init (&data.lock);
  g_signal_connect (worker, "yielded", G_CALLBACK (send_on_yield), &data);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'R');
  g_assert_cmpuint (data.n_sent, ==, N_SENT);
  g_assert_cmpuint (data.n_received, ==, N_SENT);
  for (guint i = 0; i < N_SENT; i++)
    {
      g_assert_cmpint (data.received[i], ==, i);
      /* Received by a step that began after the one it was sent after. */
      g_assert_cmpint (data.received_at[i], >, data.sent_after[i]);
      /* One value per step. */
      if (i > 0)
        g_assert_cmpint (data.received_at[i], >, data.received_at[i - 1]);
    }
  g_mutex_clear (&data.lock);
}

static void
test_send_to_function_worker_is_not_supported (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GError) error = NULL;
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 1);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_false (tw_worker_send (worker, &v, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (error->message);

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
}

static void
test_send_when_not_running_fails (void)
{
  gint64 i = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_forever, &i, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GError) error = NULL;
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 1);

  /* Never started. */
  g_assert_false (tw_worker_send (worker, &v, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  /* Quit, not yet finished. */
  tw_worker_start (worker);
  tw_worker_quit (worker);
  g_assert_false (tw_worker_send (worker, &v, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  /* Finished. */
  tw_recorder_wait_finished (rec, 1);
  g_assert_false (tw_worker_send (worker, &v, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING);
}

/* ------------------------------------------------------------------------ */
/* Values of any type                                                       */

static void
yield_and_return_value (TwWorker *worker,
                        gpointer  user_data)
{
  const GValue *value = user_data;

  tw_worker_yield_value (worker, value);
  tw_worker_return_value (worker, value);
}

static void
test_value_int64 (void)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT64);
  g_value_set_int64 (&v, G_MININT64);
  {
    g_autoptr(TwWorker) worker = tw_function_worker_new (yield_and_return_value, &v, NULL);
    g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

    tw_worker_start (worker);
    tw_recorder_wait_finished (rec, 1);
    g_assert_cmpstr (rec->log->str, ==, "SYRF");
    g_assert_cmpint (tw_recorder_int (rec, 0), ==, G_MININT64);
    g_assert_true (G_VALUE_HOLDS_INT64 (&rec->returned));
    g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, G_MININT64);
  }
}

static void
yield_conveniences (TwWorker *worker,
                    gpointer  user_data)
{
  tw_worker_yield_int (worker, G_MAXINT64);
  tw_worker_yield_double (worker, 0.25);
  tw_worker_yield_string (worker, "héllo");
  tw_worker_yield_string (worker, NULL);
  tw_worker_return_double (worker, -1.5);
}

static void
test_value_conveniences (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_conveniences, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GValue *v;

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYYRF");
  g_assert_cmpint (tw_recorder_int (rec, 0), ==, G_MAXINT64);
  v = g_ptr_array_index (rec->values, 1);
  g_assert_true (G_VALUE_HOLDS_DOUBLE (v));
  g_assert_cmpfloat (g_value_get_double (v), ==, 0.25);
  v = g_ptr_array_index (rec->values, 2);
  g_assert_cmpstr (g_value_get_string (v), ==, "héllo");
  v = g_ptr_array_index (rec->values, 3);
  g_assert_true (G_VALUE_HOLDS_STRING (v));
  g_assert_null (g_value_get_string (v));
  g_assert_cmpfloat (g_value_get_double (&rec->returned), ==, -1.5);
}

static void
yield_and_return_object (TwWorker *worker,
                         gpointer  user_data)
{
  /* Made on the worker thread, like a GdkTexture decoded off the UI. */
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject **out = user_data;

  g_object_set_data_full (object, "pixels", g_strdup ("rgba"), g_free);
  g_set_weak_pointer (out, object);
  tw_worker_yield_object (worker, object);
  tw_worker_return_object (worker, object);
}

static void
test_value_object (void)
{
  GObject *made = NULL;
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_and_return_object, &made, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GObject *yielded;

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  yielded = g_value_get_object (g_ptr_array_index (rec->values, 0));
  g_assert_true (yielded == made);
  g_assert_true (g_value_get_object (&rec->returned) == made);
  g_assert_cmpstr (g_object_get_data (yielded, "pixels"), ==, "rgba");

  /* Nothing leaks a reference: the object goes with its last holders. */
  tw_recorder_free (g_steal_pointer (&rec));
  g_clear_object (&worker);
  g_assert_null (made);
}

static void
test_value_variant (void)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_VARIANT);
  g_value_set_variant (&v, g_variant_new_parsed ("{'size': <(640, 480)>, 'name': <'x'>}"));
  {
    g_autoptr(TwWorker) worker = tw_function_worker_new (yield_and_return_value, &v, NULL);
    g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

    tw_worker_start (worker);
    tw_recorder_wait_finished (rec, 1);
    g_assert_cmpstr (rec->log->str, ==, "SYRF");
    g_assert_true (g_variant_equal (g_value_get_variant (g_ptr_array_index (rec->values, 0)),
                                    g_value_get_variant (&v)));
    g_assert_true (g_variant_equal (g_value_get_variant (&rec->returned),
                                    g_value_get_variant (&v)));
  }
}

static void
test_value_boxed (void)
{
  static const char bytes[] = "\0\1\2\3binary";
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_BYTES);
  g_value_take_boxed (&v, g_bytes_new_static (bytes, sizeof bytes));
  {
    g_autoptr(TwWorker) worker = tw_function_worker_new (yield_and_return_value, &v, NULL);
    g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

    tw_worker_start (worker);
    tw_recorder_wait_finished (rec, 1);
    g_assert_cmpstr (rec->log->str, ==, "SYRF");
    g_assert_true (g_bytes_equal (g_value_get_boxed (g_ptr_array_index (rec->values, 0)),
                                  g_value_get_boxed (&v)));
    g_assert_true (g_bytes_equal (g_value_get_boxed (&rec->returned), g_value_get_boxed (&v)));
  }
}

typedef struct
{
  int  destroyed;   /* atomic */
  int  id;
} Owned;

static void
owned_destroy (gpointer data)
{
  Owned *owned = data;

  g_assert_cmpint (g_atomic_int_add (&owned->destroyed, 1), ==, 0);
}

static void
yield_three_pointers_then_return_one (TwWorker *worker,
                                      gpointer  user_data)
{
  Owned *owned = user_data;

  for (guint i = 0; i < 3; i++)
    tw_worker_yield_pointer (worker, &owned[i], owned_destroy);
  tw_worker_return_pointer (worker, &owned[3], owned_destroy);
}

static void
test_value_pointer_destroyed_exactly_once (void)
{
  Owned owned[4] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 } };
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_three_pointers_then_return_one,
                                                       owned, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Owned *returned;

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYRF");
  returned = g_value_get_pointer (tw_worker_get_value (worker));
  g_assert_true (returned == &owned[3]);
  /* Replaced as the worker's value: destroyed; the current value is alive. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (g_atomic_int_get (&owned[i].destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&owned[3].destroyed), ==, 0);

  tw_recorder_free (g_steal_pointer (&rec));
  g_assert_finalize_object (g_steal_pointer (&worker));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_atomic_int_get (&owned[i].destroyed), ==, 1);
}

static void
yield_pointers_until_quit (TwWorker *worker,
                           gpointer  user_data)
{
  Owned *owned = user_data;

  for (guint i = 0; i < 8; i++)
    {
      tw_worker_yield_pointer (worker, &owned[i], owned_destroy);
      if (i == 0)
        tw_test_work_loop_until_quit (worker, NULL);
    }
  tw_worker_return_pointer (worker, &owned[8], owned_destroy);
}

static void
test_value_pointer_dropped_after_quit_destroyed_once (void)
{
  Owned owned[9] = { { 0, 0 }, };
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_pointers_until_quit, owned, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SYAF");

  tw_recorder_free (g_steal_pointer (&rec));
  g_assert_finalize_object (g_steal_pointer (&worker));
  for (guint i = 0; i < G_N_ELEMENTS (owned); i++)
    g_assert_cmpint (g_atomic_int_get (&owned[i].destroyed), ==, 1);
}

/* ------------------------------------------------------------------------ */
/* Properties                                                               */

typedef struct
{
  GThread *owner;
  GString *states;     /* one digit per state notify: the new state */
  guint    n_running_notifies;
  guint    n_paused_notifies;
  guint    n_abort_notifies;
} Notifies;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           Notifies   *n)
{
  TwWorker *worker = TW_WORKER (object);

  g_assert_true (g_thread_self () == n->owner);
  if (g_str_equal (pspec->name, "state"))
    g_string_append_printf (n->states, "%d", tw_worker_get_state (worker));
  else if (g_str_equal (pspec->name, "is-running"))
    n->n_running_notifies++;
  else if (g_str_equal (pspec->name, "is-paused"))
    n->n_paused_notifies++;
  else if (g_str_equal (pspec->name, "abort-requested"))
    n->n_abort_notifies++;
}

static void
test_state_properties_notify_on_owner_thread (void)
{
  Counting c = { 0, };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_steps_forever, &c, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GString) expected = g_string_new (NULL);
  Notifies n = { g_thread_self (), g_string_new (NULL), 0, 0, 0 };
  gboolean running, paused, abort_requested;
  TwWorkerState state;

  g_signal_connect (worker, "notify", G_CALLBACK (on_notify), &n);

  g_object_get (worker, "state", &state, "is-running", &running, NULL);
  g_assert_cmpint (state, ==, TW_WORKER_STATE_IDLE);
  g_assert_false (running);

  tw_worker_start (worker);
  g_object_get (worker, "state", &state, "is-running", &running, NULL);
  g_assert_cmpint (state, ==, TW_WORKER_STATE_WAITING);
  g_assert_true (running);

  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  g_object_get (worker, "is-paused", &paused, NULL);
  g_assert_true (paused);
  tw_worker_resume (worker);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_paused (worker));

  tw_worker_quit (worker);
  g_object_get (worker, "abort-requested", &abort_requested, "is-running", &running, NULL);
  g_assert_true (abort_requested);
  g_assert_true (running);
  tw_recorder_wait_finished (rec, 1);
  g_object_get (worker, "state", &state, "is-running", &running, NULL);
  g_assert_cmpint (state, ==, TW_WORKER_STATE_ABORTED);
  g_assert_false (running);

  g_string_printf (expected, "%d%d%d%d%d",
                   TW_WORKER_STATE_WAITING, TW_WORKER_STATE_RUNNING,
                   TW_WORKER_STATE_PAUSED, TW_WORKER_STATE_RUNNING,
                   TW_WORKER_STATE_ABORTED);
  g_assert_cmpstr (n.states->str, ==, expected->str);
  g_assert_cmpuint (n.n_running_notifies, ==, 2);
  g_assert_cmpuint (n.n_paused_notifies, ==, 2);
  g_assert_cmpuint (n.n_abort_notifies, ==, 1);

  g_string_free (n.states, TRUE);
}

/* The worker skips notifications nobody can see, and looks again after
 * each signal: a handler connected from `returned` (or from `started`)
 * still hears is-running and the state change that follow it. */
static void
connect_notify_from_started (TwWorker *worker,
                             Notifies *n)
{
  g_signal_connect (worker, "notify", G_CALLBACK (on_notify), n);
}

static void
connect_notify_from_returned (TwWorker     *worker,
                              const GValue *value,
                              Notifies     *n)
{
  g_signal_connect (worker, "notify", G_CALLBACK (on_notify), n);
}

static void
test_notify_handler_connected_from_a_signal_hears_what_follows (void)
{
  const char *signal_names[] = { "returned", "started" };
  GCallback handlers[] = { G_CALLBACK (connect_notify_from_returned),
                           G_CALLBACK (connect_notify_from_started) };

  for (guint i = 0; i < G_N_ELEMENTS (signal_names); i++)
    {
      g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
      g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
      g_autoptr(GString) expected = g_string_new (NULL);
      Notifies n = { g_thread_self (), g_string_new (NULL), 0, 0, 0 };

      g_signal_connect (worker, signal_names[i], handlers[i], &n);
      tw_worker_start (worker);
      tw_recorder_wait_finished (rec, 1);
      g_assert_cmpstr (rec->log->str, ==, "SRF");

      /* From `started`: RUNNING was notified before it, FINISHED after;
       * from `returned`: the state had changed before it. */
      if (i == 1)
        g_string_printf (expected, "%d", TW_WORKER_STATE_FINISHED);
      g_assert_cmpstr (n.states->str, ==, expected->str);
      g_assert_cmpuint (n.n_running_notifies, ==, 1);
      g_string_free (n.states, TRUE);
    }
}

/* A `returned` handler that connects to notify and then changes the
 * worker (quit() there sets abort-requested) hears that change. */
static void
connect_then_quit_from_returned (TwWorker     *worker,
                                 const GValue *value,
                                 guint        *count)
{
  g_signal_connect (worker, "notify::abort-requested", G_CALLBACK (tw_test_count_notify), count);
  tw_worker_quit (worker);
}

static void
test_notify_handler_connected_then_a_change_in_the_same_handler (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  guint count = 0;

  g_signal_connect (worker, "returned", G_CALLBACK (connect_then_quit_from_returned), &count);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_true (tw_worker_get_abort_requested (worker));
  g_assert_cmpuint (count, ==, 1);
}

/* With nothing connected to notify, the state still changes (the skipped
 * notifications were not needed for it), and a handler connected between
 * two runs hears the second run's. */
static void
test_unwatched_worker_notifies_once_watched (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GString) expected = g_string_new (NULL);
  Notifies n = { g_thread_self (), g_string_new (NULL), 0, 0, 0 };

  tw_worker_start (worker);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_WAITING);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);

  g_signal_connect (worker, "notify", G_CALLBACK (on_notify), &n);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 2);
  g_string_printf (expected, "%d%d%d", TW_WORKER_STATE_WAITING, TW_WORKER_STATE_RUNNING,
                   TW_WORKER_STATE_FINISHED);
  g_assert_cmpstr (n.states->str, ==, expected->str);
  g_assert_cmpuint (n.n_running_notifies, ==, 2);
  g_string_free (n.states, TRUE);
}

static void
test_state_of_a_returning_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GString) expected = g_string_new (NULL);
  Notifies n = { g_thread_self (), g_string_new (NULL), 0, 0, 0 };

  g_signal_connect (worker, "notify::state", G_CALLBACK (on_notify), &n);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_string_printf (expected, "%d%d%d", TW_WORKER_STATE_WAITING, TW_WORKER_STATE_RUNNING,
                   TW_WORKER_STATE_FINISHED);
  g_assert_cmpstr (n.states->str, ==, expected->str);
  g_assert_false (tw_worker_get_abort_requested (worker));
  g_string_free (n.states, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Threads and lifetime                                                     */

typedef struct
{
  GMainContext *context;
  char         *log;
} OtherThread;

static gpointer
run_worker_on_own_context (gpointer user_data)
{
  OtherThread *data = user_data;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  g_main_context_push_thread_default (data->context);
  worker = tw_function_worker_new (yield_warn_and_return, NULL, NULL);
  rec = tw_recorder_new (worker);
  g_assert_true (tw_worker_get_context (worker) == data->context);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  data->log = g_strdup (rec->log->str);
  g_clear_pointer (&rec, tw_recorder_free);
  g_clear_object (&worker);
  g_main_context_pop_thread_default (data->context);

  return NULL;
}

static void
test_signals_on_the_creating_threads_context (void)
{
  OtherThread data = { g_main_context_new (), NULL };
  GThread *thread = g_thread_new ("owner", run_worker_on_own_context, &data);

  /* The main thread does not iterate anything meanwhile. */
  g_thread_join (thread);
  g_assert_cmpstr (data.log, ==, "SYWYWYRF");
  g_free (data.log);
  g_main_context_unref (data.context);
}

static void
weak_notify_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  gboolean *finalized = data;

  *finalized = TRUE;
}

static void
on_finished_check_alive (TwWorker *worker,
                         gboolean *finalized)
{
  g_assert_false (*finalized);
}

static void
test_unref_while_running_finalizes_after_finished (void)
{
  TwWorker *worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  gboolean finalized = FALSE;

  g_object_weak_ref (G_OBJECT (worker), weak_notify_cb, &finalized);
  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_check_alive), &finalized);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  tw_worker_quit (worker);
  g_object_unref (worker);
  g_assert_false (finalized);

  TW_TEST_WAIT_UNTIL (finalized);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  rec->worker = NULL;   /* gone: nothing to disconnect */
}

static void
test_unref_while_running_delivers_the_result (void)
{
  TwWorker *worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  gboolean finalized = FALSE;

  g_object_weak_ref (G_OBJECT (worker), weak_notify_cb, &finalized);
  tw_worker_start (worker);
  g_object_unref (worker);

  TW_TEST_WAIT_UNTIL (finalized);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 42);
  rec->worker = NULL;
}

typedef struct
{
  TwRecorder *rec;
  gboolean    nested;
} Nesting;

/* Like a handler that runs a modal loop, or awaits a pool: the owner context
 * is iterated from inside an emission, until the run is over. */
static void
iterate_until_finished (TwWorker *worker,
                        Nesting  *nesting)
{
  if (nesting->nested)
    return;
  nesting->nested = TRUE;
  TW_TEST_WAIT_UNTIL (nesting->rec->n_finished == 1);
}

static void
iterate_until_finished_on_yield (TwWorker     *worker,
                                 const GValue *value,
                                 Nesting      *nesting)
{
  iterate_until_finished (worker, nesting);
}

static void
iterate_until_finished_on_notify (TwWorker   *worker,
                                  GParamSpec *pspec,
                                  Nesting    *nesting)
{
  iterate_until_finished (worker, nesting);
}

static gboolean
count_to_100_with_progress (TwWorker     *worker,
                            const GValue *sent,
                            gpointer      user_data)
{
  gint64 *i = user_data;

  tw_worker_set_progress (worker, *i / 100.0);
  tw_worker_yield_int (worker, (*i)++);
  return *i < 100;
}

static void
check_nested_run (const char *signal)
{
  gint64 i = 0;
  TwWorker *worker = tw_generator_worker_new (count_to_100_with_progress, &i, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Nesting nesting = { rec, FALSE };
  gboolean finalized = FALSE;

  g_object_weak_ref (G_OBJECT (worker), weak_notify_cb, &finalized);
  if (g_str_has_prefix (signal, "notify::"))
    g_signal_connect (worker, signal, G_CALLBACK (iterate_until_finished_on_notify), &nesting);
  else
    g_signal_connect (worker, signal, G_CALLBACK (iterate_until_finished_on_yield), &nesting);
  /* Only the run keeps the worker: it ends inside the nested iteration. */
  tw_worker_start (worker);
  g_object_unref (worker);

  TW_TEST_WAIT_UNTIL (finalized);
  g_assert_true (nesting.nested);
  tw_assert_one_run (rec->log->str, 'R');
  g_assert_cmpuint (rec->values->len, ==, 100);
  for (guint j = 0; j < 100; j++)
    g_assert_cmpint (tw_recorder_int (rec, j), ==, j);
  rec->worker = NULL;
}

static void
test_nested_iteration_in_yielded_handler (void)
{
  check_nested_run ("yielded");
}

static void
test_nested_iteration_in_progress_notify (void)
{
  check_nested_run ("notify::progress");
}

/* Values queued while the owner is busy travel as one batch. A handler of
 * the batch's first value that iterates the context must get the rest of
 * the batch first, then the warning and the values pushed after it, in
 * order, and the run's end last. */
typedef struct
{
  TwGate  all_pushed;
  guint   n_before;      /* values before the warning */
  guint   n_after;       /* values after it */
  guint   depth;
  guint   max_depth;
} BatchNesting;

static void
yield_a_batch_a_warning_and_more (TwWorker *worker,
                                  gpointer  user_data)
{
  BatchNesting *b = user_data;
  gint64 i = 0;

  for (; i < b->n_before; i++)
    tw_worker_yield_int (worker, i);
  tw_worker_warn (worker, "between");
  for (; i < b->n_before + b->n_after; i++)
    tw_worker_yield_int (worker, i);
  tw_gate_open (&b->all_pushed);
  tw_worker_return_int (worker, -1);
}

static void
iterate_in_the_first_handler (TwWorker     *worker,
                              const GValue *value,
                              BatchNesting *b)
{
  b->depth++;
  b->max_depth = MAX (b->max_depth, b->depth);
  if (g_value_get_int64 (value) == 0)
    {
      tw_gate_wait (&b->all_pushed);
      TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_FINISHED);
    }
  b->depth--;
}

static void
test_nested_iteration_continues_a_batch_in_order (void)
{
  BatchNesting b = { .n_before = 300, .n_after = 200 };
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_a_batch_a_warning_and_more,
                                                       &b, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GString) expected = g_string_new ("S");

  tw_gate_init (&b.all_pushed);
  tw_worker_set_max_pending_yields (worker, 1000);
  g_signal_connect (worker, "yielded", G_CALLBACK (iterate_in_the_first_handler), &b);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  for (guint i = 0; i < b.n_before; i++)
    g_string_append_c (expected, 'Y');
  g_string_append_c (expected, 'W');
  for (guint i = 0; i < b.n_after; i++)
    g_string_append_c (expected, 'Y');
  g_string_append (expected, "RF");
  g_assert_cmpstr (rec->log->str, ==, expected->str);
  g_assert_cmpuint (rec->values->len, ==, b.n_before + b.n_after);
  for (guint j = 0; j < rec->values->len; j++)
    g_assert_cmpint (tw_recorder_int (rec, j), ==, j);
  g_assert_cmpuint (b.max_depth, ==, 2);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  tw_gate_clear (&b.all_pushed);
}

typedef struct
{
  gint64 i;
  gint64 n;
} Bounded;

static gboolean
count_to_n (TwWorker     *worker,
            const GValue *sent,
            gpointer      user_data)
{
  Bounded *b = user_data;

  tw_worker_yield_int (worker, b->i++);
  if (b->i == b->n)
    tw_worker_return_int (worker, b->n);
  return TRUE;
}

static void
count_finished (guint *n_finished)
{
  (*n_finished)++;
}

static void
test_many_workers_at_once (void)
{
  enum { N_WORKERS = 200, N_VALUES = 50 };
  Bounded bounded[N_WORKERS];
  TwWorker *workers[N_WORKERS];
  TwRecorder *recs[N_WORKERS];
  guint n_finished = 0;

  for (guint i = 0; i < N_WORKERS; i++)
    {
      bounded[i] = (Bounded) { 0, N_VALUES };
      workers[i] = tw_generator_worker_new (count_to_n, &bounded[i], NULL);
      recs[i] = tw_recorder_new (workers[i]);
    }
  for (guint i = 0; i < N_WORKERS; i++)
    tw_worker_start (workers[i]);

  for (guint i = 0; i < N_WORKERS; i++)
    g_signal_connect_swapped (workers[i], "finished", G_CALLBACK (count_finished), &n_finished);
  TW_TEST_WAIT_UNTIL (n_finished == N_WORKERS);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      tw_assert_one_run (recs[i]->log->str, 'R');
      g_assert_cmpuint (recs[i]->values->len, ==, N_VALUES);
      for (guint j = 0; j < N_VALUES; j++)
        g_assert_cmpint (tw_recorder_int (recs[i], j), ==, j);
      g_assert_cmpint (g_value_get_int64 (&recs[i]->returned), ==, N_VALUES);
      g_assert_cmpuint (recs[i]->n_finished, ==, 1);
      tw_recorder_free (recs[i]);
      g_assert_finalize_object (workers[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* Programmer errors                                                        */

static void
test_null_callback_is_critical (void)
{
  TwWorker *worker;

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  worker = tw_function_worker_new (NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (worker);

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*step != NULL*");
  worker = tw_generator_worker_new (NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (worker);
}

static void
test_start_while_running_is_critical (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*tw_worker_start*");
  tw_worker_start (worker);
  g_test_assert_expected_messages ();

  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*tw_worker_start*");
  tw_worker_start (worker);
  g_test_assert_expected_messages ();

  /* Unharmed: the one run goes on and ends normally. */
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  tw_worker_start (worker);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSAF");
}

static void
test_worker_thread_api_from_owner_is_critical (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_auto(GValue) v = G_VALUE_INIT;
  Owned owned = { 0, 0 };

  g_value_init (&v, G_TYPE_INT);

#define EXPECT_CRITICAL(call)                                                     \
  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*must be called from the work*"); \
  call;                                                                           \
  g_test_assert_expected_messages ()

  EXPECT_CRITICAL (g_assert_false (tw_worker_yield_value (worker, &v)));
  EXPECT_CRITICAL (g_assert_false (tw_worker_yield_int (worker, 1)));
  EXPECT_CRITICAL (g_assert_false (tw_worker_yield_pointer (worker, &owned, owned_destroy)));
  EXPECT_CRITICAL (tw_worker_return_int (worker, 1));
  EXPECT_CRITICAL (tw_worker_return_error (worker, g_error_new_literal (TW_WORKER_ERROR,
                                                                        TW_WORKER_ERROR_FAILED,
                                                                        "x")));
  EXPECT_CRITICAL (g_assert_false (tw_worker_checkpoint (worker)));
  EXPECT_CRITICAL (tw_worker_set_progress (worker, 0.5));
  EXPECT_CRITICAL (tw_worker_warn (worker, "x"));
  EXPECT_CRITICAL (g_assert_null (tw_worker_get_cancellable (worker)));
#undef EXPECT_CRITICAL

  /* The pointer is not leaked, and the worker is unharmed. */
  g_assert_cmpint (owned.destroyed, ==, 1);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_IDLE);
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 0.0);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
}

static void
test_name_defaults_and_null_restores_the_default (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autofree char *default_name = g_strdup (tw_worker_get_name (worker));
  guint n_notified = 0;

  /* The type name and a number, distinct per worker. */
  g_assert_true (g_str_has_prefix (default_name, "TwFunctionWorker-"));
  {
    g_autoptr(TwWorker) other = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);

    g_assert_cmpstr (tw_worker_get_name (other), !=, default_name);
  }

  g_signal_connect (worker, "notify::name", G_CALLBACK (tw_test_count_notify), &n_notified);
  tw_worker_set_name (worker, "thumbnailer");
  g_assert_cmpstr (tw_worker_get_name (worker), ==, "thumbnailer");
  g_assert_cmpuint (n_notified, ==, 1);

  tw_worker_set_name (worker, "thumbnailer");
  g_assert_cmpuint (n_notified, ==, 1);

  tw_worker_set_name (worker, NULL);
  g_assert_cmpstr (tw_worker_get_name (worker), ==, default_name);
  g_assert_cmpuint (n_notified, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Worker/function-returns-value", test_function_returns_value);
  g_test_add_func ("/Tw/Worker/name-defaults-and-null-restores-the-default",
                   test_name_defaults_and_null_restores_the_default);
  g_test_add_func ("/Tw/Worker/generator-10000-yields-in-order", test_generator_10000_yields_in_order);
  g_test_add_func ("/Tw/Worker/started-first-then-yields-and-warnings-in-order",
                   test_started_first_then_yields_warnings_in_order);
  g_test_add_func ("/Tw/Worker/generator-result-ends-the-run", test_generator_result_ends_the_run);
  g_test_add_func ("/Tw/Worker/generator-without-result-returns-nothing",
                   test_generator_without_result_returns_nothing);
  g_test_add_func ("/Tw/Worker/run-without-result-keeps-last-yielded-value",
                   test_run_without_result_keeps_last_yielded_value);
  g_test_add_func ("/Tw/Worker/return-error-emits-errored", test_return_error_emits_errored);
  g_test_add_func ("/Tw/Worker/generator-error-ends-the-run", test_generator_error_ends_the_run);
  g_test_add_func ("/Tw/Worker/start-again-from-finished-handler",
                   test_start_again_from_finished_handler);

  g_test_add_func ("/Tw/Worker/quit-while-running-aborts", test_quit_while_running_aborts);
  g_test_add_func ("/Tw/Worker/returned-never-after-quit", test_returned_never_after_quit);
  g_test_add_func ("/Tw/Worker/quit-while-returned-is-queued-aborts",
                   test_quit_while_returned_is_queued_aborts);
  g_test_add_func ("/Tw/Worker/quit-while-paused-aborts", test_quit_while_paused_aborts);
  g_test_add_func ("/Tw/Worker/quit-while-waiting-never-calls-work",
                   test_quit_while_waiting_never_calls_work);
  g_test_add_func ("/Tw/Worker/quit-idle-worker-is-noop", test_quit_idle_worker_is_noop);
  g_test_add_func ("/Tw/Worker/quit-finished-worker-is-noop", test_quit_finished_worker_is_noop);
  g_test_add_func ("/Tw/Worker/quit-cancels-blocking-gio-call", test_quit_cancels_blocking_gio_call);
  g_test_add_func ("/Tw/Worker/cancellable-asked-for-before-or-after-quit-is-cancelled",
                   test_cancellable_asked_for_before_or_after_quit_is_cancelled);

  g_test_add_func ("/Tw/Worker/paused-emitted-only-after-really-pausing",
                   test_paused_emitted_only_after_really_pausing);
  g_test_add_func ("/Tw/Worker/resume-continues-the-work", test_resume_continues_the_work);
  g_test_add_func ("/Tw/Worker/toggle-pause-sequence", test_toggle_pause_sequence);
  g_test_add_func ("/Tw/Worker/resume-before-pause-takes-effect-emits-nothing",
                   test_resume_before_pause_takes_effect_emits_nothing);
  g_test_add_func ("/Tw/Worker/pause-while-waiting-pauses-at-start",
                   test_pause_while_waiting_pauses_at_start);

  g_test_add_func ("/Tw/Worker/send-each-value-to-one-later-step-in-order",
                   test_send_each_value_to_one_later_step_in_order);
  g_test_add_func ("/Tw/Worker/send-to-function-worker-is-not-supported",
                   test_send_to_function_worker_is_not_supported);
  g_test_add_func ("/Tw/Worker/send-when-not-running-fails", test_send_when_not_running_fails);

  g_test_add_func ("/Tw/Worker/value/int64", test_value_int64);
  g_test_add_func ("/Tw/Worker/value/conveniences", test_value_conveniences);
  g_test_add_func ("/Tw/Worker/value/object", test_value_object);
  g_test_add_func ("/Tw/Worker/value/variant", test_value_variant);
  g_test_add_func ("/Tw/Worker/value/boxed", test_value_boxed);
  g_test_add_func ("/Tw/Worker/value/pointer-destroyed-exactly-once",
                   test_value_pointer_destroyed_exactly_once);
  g_test_add_func ("/Tw/Worker/value/pointer-dropped-after-quit-destroyed-once",
                   test_value_pointer_dropped_after_quit_destroyed_once);

  g_test_add_func ("/Tw/Worker/state-properties-notify-on-owner-thread",
                   test_state_properties_notify_on_owner_thread);
  g_test_add_func ("/Tw/Worker/state-of-a-returning-run", test_state_of_a_returning_run);
  g_test_add_func ("/Tw/Worker/notify-handler-connected-from-a-signal-hears-what-follows",
                   test_notify_handler_connected_from_a_signal_hears_what_follows);
  g_test_add_func ("/Tw/Worker/notify-handler-connected-then-a-change-in-the-same-handler",
                   test_notify_handler_connected_then_a_change_in_the_same_handler);
  g_test_add_func ("/Tw/Worker/unwatched-worker-notifies-once-watched",
                   test_unwatched_worker_notifies_once_watched);

  g_test_add_func ("/Tw/Worker/signals-on-the-creating-threads-context",
                   test_signals_on_the_creating_threads_context);
  g_test_add_func ("/Tw/Worker/unref-while-running-finalizes-after-finished",
                   test_unref_while_running_finalizes_after_finished);
  g_test_add_func ("/Tw/Worker/unref-while-running-delivers-the-result",
                   test_unref_while_running_delivers_the_result);
  g_test_add_func ("/Tw/Worker/many-workers-at-once", test_many_workers_at_once);
  g_test_add_func ("/Tw/Worker/nested-iteration-continues-a-batch-in-order",
                   test_nested_iteration_continues_a_batch_in_order);
  g_test_add_func ("/Tw/Worker/nested-iteration-in-yielded-handler",
                   test_nested_iteration_in_yielded_handler);
  g_test_add_func ("/Tw/Worker/nested-iteration-in-progress-notify",
                   test_nested_iteration_in_progress_notify);

  g_test_add_func ("/Tw/Worker/null-callback-is-critical", test_null_callback_is_critical);
  g_test_add_func ("/Tw/Worker/start-while-running-is-critical",
                   test_start_while_running_is_critical);
  g_test_add_func ("/Tw/Worker/worker-thread-api-from-owner-is-critical",
                   test_worker_thread_api_from_owner_is_critical);

  return g_test_run ();
}
