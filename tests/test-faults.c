/* test-faults.c: runs that go wrong and owners that misbehave: errors at
 * every point of a run, work that ends without a result, an owner context
 * nobody iterates for seconds, the last reference dropped on another
 * thread, an application shut down while hundreds of workers run, and
 * child processes that crash or hang.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw-test-util.h"

#define N_PLANNED 3

/* ------------------------------------------------------------------------ */
/* Errors at every point of a run                                           */

typedef struct
{
  guint    fail_after;   /* yields before the error */
  guint    step;         /* generator: steps taken */
} FailData;

static GError *
planned_error (guint after)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "failed after %u yields", after);
}

static void
fail_work (TwWorker *worker,
           gpointer  user_data)
{
  FailData *data = user_data;

  for (guint i = 0; i < N_PLANNED; i++)
    {
      if (i == data->fail_after)
        {
          tw_worker_return_error (worker, planned_error (i));
          return;
        }
      tw_worker_yield_int (worker, i);
    }
  tw_worker_return_error (worker, planned_error (N_PLANNED));
}

static gboolean
fail_step (TwWorker     *worker,
           const GValue *sent,
           gpointer      user_data)
{
  FailData *data = user_data;
  guint i = data->step++;

  if (i == data->fail_after)
    {
      tw_worker_return_error (worker, planned_error (i));
      return TRUE;   /* the result ends the run whatever the step returns */
    }
  tw_worker_yield_int (worker, i);
  return TRUE;
}

static void
check_failed_after (TwWorker   *worker,
                    TwRecorder *rec,
                    guint       after)
{
  g_autofree char *expected_log = g_strnfill (after + 3, 'Y');
  g_autofree char *message = g_strdup_printf ("failed after %u yields", after);

  expected_log[0] = 'S';
  memcpy (expected_log + after + 1, "EF", 2);
  g_assert_cmpstr (rec->log->str, ==, expected_log);
  g_assert_cmpuint (rec->values->len, ==, after);
  for (guint i = 0; i < after; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  g_assert_error (rec->error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (rec->error->message, ==, message);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ERRORED);
  g_assert_error ((GError *) tw_worker_get_error (worker), G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (tw_worker_get_is_running (worker));
}

/* Before the first yield (0), between yields (1, 2), after the last (3);
 * every yield before the error is delivered, in order, before `errored`. */
static void
test_error_at_every_point_of_a_run (void)
{
  for (guint generator = 0; generator <= 1; generator++)
    for (guint after = 0; after <= N_PLANNED; after++)
      {
        FailData data = { after, 0 };
        g_autoptr(TwWorker) worker = generator ? tw_generator_worker_new (fail_step, &data, NULL)
                                               : tw_function_worker_new (fail_work, &data, NULL);
        g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

        tw_worker_start (worker);
        tw_recorder_wait_finished (rec, 1);
        check_failed_after (worker, rec, after);

        /* The worker runs again after an error, and fails the same way. */
        data.step = 0;
        g_string_truncate (rec->log, 0);
        g_ptr_array_set_size (rec->values, 0);
        tw_worker_start (worker);
        tw_recorder_wait_finished (rec, 2);
        check_failed_after (worker, rec, after);
      }
}

/* With LATEST the newest value before the error still arrives first. */
static void
test_error_after_latest_yields_delivers_the_last_value (void)
{
  FailData data = { N_PLANNED, 0 };
  g_autoptr(TwWorker) worker = tw_function_worker_new (fail_work, &data, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_true (g_str_has_prefix (rec->log->str, "SY"));
  g_assert_true (g_str_has_suffix (rec->log->str, "YEF"));
  g_assert_cmpint (tw_recorder_int (rec, rec->values->len - 1), ==, N_PLANNED - 1);
}

static void
error_after_quit_work (TwWorker *worker,
                       gpointer  user_data)
{
  gboolean *quit_seen = user_data;

  while (tw_worker_checkpoint (worker))
    tw_worker_yield_int (worker, 1);
  g_atomic_int_set (quit_seen, TRUE);
  /* Quit was asked: the run ends `aborted`, the error is dropped. */
  tw_worker_return_error (worker, planned_error (0));
}

static void
on_first_yield_quit (TwWorker     *worker,
                     const GValue *value,
                     gpointer      user_data)
{
  tw_worker_quit (worker);
}

static void
test_error_after_quit_ends_aborted (void)
{
  gboolean quit_seen = FALSE;
  g_autoptr(TwWorker) worker = tw_function_worker_new (error_after_quit_work, &quit_seen, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_signal_connect (worker, "yielded", G_CALLBACK (on_first_yield_quit), NULL);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_true (g_atomic_int_get (&quit_seen));
  g_assert_true (g_str_has_prefix (rec->log->str, "SY"));
  g_assert_true (g_str_has_suffix (rec->log->str, "AF"));
  g_assert_null (strchr (rec->log->str, 'E'));
  g_assert_null (rec->error);
  g_assert_null (tw_worker_get_error (worker));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
}

/* ------------------------------------------------------------------------ */
/* Work that ends without a result                                          */

static gboolean
three_then_stop (TwWorker     *worker,
                 const GValue *sent,
                 gpointer      user_data)
{
  guint *i = user_data;

  if (*i == 3)
    return FALSE;   /* done, without tw_worker_return_*() */
  tw_worker_yield_int (worker, (*i)++);
  return TRUE;
}

static gboolean
stop_at_once (TwWorker     *worker,
              const GValue *sent,
              gpointer      user_data)
{
  return FALSE;
}

static void
return_nothing (TwWorker *worker,
                gpointer  user_data)
{
}

/* `returned` carries "nothing" as a NULL pointer, which bindings convert. */
static gboolean
returned_nothing (const GValue *value)
{
  return G_VALUE_HOLDS_POINTER (value) && g_value_get_pointer (value) == NULL;
}

static void
test_work_ending_without_result_returns_nothing (void)
{
  guint counter = 0;
  g_autoptr(TwWorker) gen = tw_generator_worker_new (three_then_stop, &counter, NULL);
  g_autoptr(TwWorker) empty_gen = tw_generator_worker_new (stop_at_once, NULL, NULL);
  g_autoptr(TwWorker) func = tw_function_worker_new (return_nothing, NULL, NULL);
  g_autoptr(TwRecorder) gen_rec = tw_recorder_new (gen);
  g_autoptr(TwRecorder) empty_rec = tw_recorder_new (empty_gen);
  g_autoptr(TwRecorder) func_rec = tw_recorder_new (func);

  tw_worker_start (gen);
  tw_worker_start (empty_gen);
  tw_worker_start (func);
  tw_recorder_wait_finished (gen_rec, 1);
  tw_recorder_wait_finished (empty_rec, 1);
  tw_recorder_wait_finished (func_rec, 1);

  g_assert_cmpstr (gen_rec->log->str, ==, "SYYYRF");
  g_assert_cmpint (tw_recorder_int (gen_rec, 2), ==, 2);
  g_assert_true (returned_nothing (&gen_rec->returned));
  g_assert_cmpstr (empty_rec->log->str, ==, "SRF");
  g_assert_true (returned_nothing (&empty_rec->returned));
  g_assert_cmpstr (func_rec->log->str, ==, "SRF");
  g_assert_true (returned_nothing (&func_rec->returned));
  /* get_value() keeps the last yielded value; nothing replaced it. */
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (gen)), ==, 2);
  g_assert_false (G_IS_VALUE (tw_worker_get_value (func)));
  g_assert_cmpint (tw_worker_get_state (gen), ==, TW_WORKER_STATE_FINISHED);
  g_assert_null (tw_worker_get_error (gen));
}

/* ------------------------------------------------------------------------ */
/* An owner context nobody iterates                                         */

#define N_FLOOD 20000

typedef struct
{
  GMutex lock;
  GCond  cond;
  guint  produced;     /* yields that returned */
  gint   alive;        /* payloads not yet freed */
  guint  next_seen;
  gboolean done;
} Flood;

typedef struct
{
  Flood *flood;
  guint  seq;
} FloodPayload;

static void
flood_payload_free (gpointer data)
{
  FloodPayload *payload = data;

  g_atomic_int_add (&payload->flood->alive, -1);
  g_free (payload);
}

static void
flood_work (TwWorker *worker,
            gpointer  user_data)
{
  Flood *flood = user_data;

  for (guint i = 0; i < N_FLOOD; i++)
    {
      FloodPayload *payload = g_new (FloodPayload, 1);

      payload->flood = flood;
      payload->seq = i;
      g_atomic_int_inc (&flood->alive);
      if (!tw_worker_yield_pointer (worker, payload, flood_payload_free))
        break;
      g_mutex_lock (&flood->lock);
      flood->produced++;
      g_cond_broadcast (&flood->cond);
      g_mutex_unlock (&flood->lock);
    }
  g_mutex_lock (&flood->lock);
  flood->done = TRUE;
  g_cond_broadcast (&flood->cond);
  g_mutex_unlock (&flood->lock);
}

static void
on_flood_yielded (TwWorker     *worker,
                  const GValue *value,
                  Flood        *flood)
{
  FloodPayload *payload = g_value_get_pointer (value);

  if (tw_worker_get_yield_policy (worker) == TW_YIELD_POLICY_QUEUE)
    g_assert_cmpuint (payload->seq, ==, flood->next_seen);
  else
    g_assert_cmpuint (payload->seq, >=, flood->next_seen);
  flood->next_seen = payload->seq + 1;
}

static void
flood_init (Flood *flood)
{
  memset (flood, 0, sizeof *flood);
  g_mutex_init (&flood->lock);
  g_cond_init (&flood->cond);
}

static void
flood_clear (Flood *flood)
{
  g_mutex_clear (&flood->lock);
  g_cond_clear (&flood->cond);
}

/* QUEUE: with the owner away, the producer stops at max-pending-yields
 * undelivered values; memory stays bounded however long the owner is away;
 * once the owner iterates again every value arrives, in order. */
static void
test_owner_not_iterated_queue_blocks_the_producer (void)
{
  const guint max_pending = 16;
  Flood flood;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  gint64 deadline;

  flood_init (&flood);
  worker = tw_function_worker_new (flood_work, &flood, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_max_pending_yields (worker, max_pending);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_flood_yielded), &flood);
  tw_worker_start (worker);

  /* From here the owner does not iterate its context. The producer fills
   * the queue... */
  g_mutex_lock (&flood.lock);
  deadline = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  while (flood.produced < max_pending)
    if (!g_cond_wait_until (&flood.cond, &flood.lock, deadline))
      g_error ("the producer did not fill the queue: %u of %u", flood.produced, max_pending);

  /* ...and then makes no progress at all for two seconds: it is blocked,
   * not just slow (every yield would wake us here). */
  deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  while (g_cond_wait_until (&flood.cond, &flood.lock, deadline))
    g_assert_cmpuint (flood.produced, ==, max_pending);
  g_assert_cmpuint (flood.produced, ==, max_pending);
  g_assert_false (flood.done);
  g_mutex_unlock (&flood.lock);
  /* The queued values and the one being yielded: nothing more in memory. */
  g_assert_cmpint (g_atomic_int_get (&flood.alive), <=, max_pending + 1);
  g_assert_cmpstr (rec->log->str, ==, "");

  /* The owner is back: everything arrives. */
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (flood.next_seen, ==, N_FLOOD);
  g_assert_cmpuint (rec->log->len, ==, N_FLOOD + 3);
  g_assert_true (g_str_has_suffix (rec->log->str, "YRF"));

  tw_recorder_free (g_steal_pointer (&rec));
  g_clear_object (&worker);
  g_assert_cmpint (g_atomic_int_get (&flood.alive), ==, 0);
  flood_clear (&flood);
}

/* LATEST: with the owner away the producer never blocks and only the
 * newest value is kept; the owner then gets exactly that one. */
static void
test_owner_not_iterated_latest_keeps_one_value (void)
{
  Flood flood;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  gint64 deadline = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;

  flood_init (&flood);
  worker = tw_function_worker_new (flood_work, &flood, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_flood_yielded), &flood);
  tw_worker_start (worker);

  g_mutex_lock (&flood.lock);
  while (!flood.done)
    if (!g_cond_wait_until (&flood.cond, &flood.lock, deadline))
      g_error ("a LATEST producer blocked with the owner away: %u yields", flood.produced);
  g_assert_cmpuint (flood.produced, ==, N_FLOOD);
  g_mutex_unlock (&flood.lock);
  /* Every replaced value was freed at once; one waits for the owner. */
  g_assert_cmpint (g_atomic_int_get (&flood.alive), ==, 1);

  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  g_assert_cmpuint (flood.next_seen, ==, N_FLOOD);

  tw_recorder_free (g_steal_pointer (&rec));
  g_clear_object (&worker);
  g_assert_cmpint (g_atomic_int_get (&flood.alive), ==, 0);
  flood_clear (&flood);
}

/* ------------------------------------------------------------------------ */
/* The last reference dropped on another thread                             */

typedef struct
{
  GThread  *owner;
  gint      n_destroyed;
  GThread  *destroy_thread;
  gint      finalized;
  GThread  *finalize_thread;
} Lifetime;

static void
lifetime_destroy (gpointer data)
{
  Lifetime *lt = data;

  lt->destroy_thread = g_thread_self ();
  g_atomic_int_inc (&lt->n_destroyed);
}

static void
lifetime_weak_notify (gpointer  data,
                      GObject  *where_the_object_was)
{
  Lifetime *lt = data;

  lt->finalize_thread = g_thread_self ();
  g_atomic_int_set (&lt->finalized, TRUE);
}

static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
unref_on_new_thread (gpointer object)
{
  g_thread_join (g_thread_new ("tw-test-unref", unref_thread, object));
}

static void
return_7 (TwWorker *worker,
          gpointer  user_data)
{
  tw_worker_return_int (worker, 7);
}

/* An idle worker finalized on another thread: its destroy notify still runs
 * on the owner context, once. */
static void
test_last_unref_of_idle_worker_on_another_thread (void)
{
  Lifetime lt = { g_thread_self () };
  TwWorker *worker = tw_function_worker_new (return_7, &lt, lifetime_destroy);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_object_weak_ref (G_OBJECT (worker), lifetime_weak_notify, &lt);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");

  rec->worker = NULL;   /* the recorder must not touch it any more */
  g_signal_handlers_disconnect_by_data (worker, rec);
  unref_on_new_thread (worker);

  g_assert_true (g_atomic_int_get (&lt.finalized));
  g_assert_true (lt.finalize_thread != lt.owner);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&lt.n_destroyed) == 1);
  g_assert_true (lt.destroy_thread == lt.owner);
  /* And only once, even after more iterations. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (g_atomic_int_get (&lt.n_destroyed), ==, 1);
}

typedef struct
{
  Lifetime *lt;
  GMutex    lock;
  GCond     cond;
  gboolean  released;
} HoldData;

static void
wait_for_release_work (TwWorker *worker,
                       gpointer  user_data)
{
  HoldData *hold = user_data;
  gint64 deadline = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&hold->lock);
  while (!hold->released)
    if (!g_cond_wait_until (&hold->cond, &hold->lock, deadline))
      g_error ("the test never released the work");
  g_mutex_unlock (&hold->lock);
  tw_worker_yield_int (worker, 1);
  tw_worker_return_int (worker, 2);
}

static void
hold_destroy (gpointer data)
{
  HoldData *hold = data;

  lifetime_destroy (hold->lt);
}

/* A running worker whose last user reference goes on another thread keeps
 * running, emits everything on the owner and is finalized there after
 * `finished`. */
static void
test_last_unref_of_running_worker_on_another_thread (void)
{
  Lifetime lt = { g_thread_self () };
  HoldData hold = { &lt };
  TwWorker *worker;
  g_autoptr(TwRecorder) rec = NULL;

  g_mutex_init (&hold.lock);
  g_cond_init (&hold.cond);
  worker = tw_function_worker_new (wait_for_release_work, &hold, hold_destroy);
  rec = tw_recorder_new (worker);
  g_object_weak_ref (G_OBJECT (worker), lifetime_weak_notify, &lt);
  tw_worker_start (worker);

  unref_on_new_thread (worker);   /* our only reference */
  g_assert_false (g_atomic_int_get (&lt.finalized));

  g_mutex_lock (&hold.lock);
  hold.released = TRUE;
  g_cond_signal (&hold.cond);
  g_mutex_unlock (&hold.lock);

  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&lt.finalized));
  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  g_assert_true (lt.finalize_thread == lt.owner);
  g_assert_cmpint (g_atomic_int_get (&lt.n_destroyed), ==, 1);
  g_assert_true (lt.destroy_thread == lt.owner);
  rec->worker = NULL;

  g_mutex_clear (&hold.lock);
  g_cond_clear (&hold.cond);
}

static void
unref_self_work (TwWorker *worker,
                 gpointer  user_data)
{
  /* The owner handed its reference to the work, which drops it here, on
   * the worker thread. */
  g_object_unref (worker);
  tw_worker_return_int (worker, 3);
}

static void
test_last_unref_inside_the_work (void)
{
  Lifetime lt = { g_thread_self () };
  TwWorker *worker = tw_function_worker_new (unref_self_work, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_object_weak_ref (G_OBJECT (worker), lifetime_weak_notify, &lt);
  tw_worker_start (worker);   /* the work owns our reference from here */

  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&lt.finalized));
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 3);
  g_assert_true (lt.finalize_thread == lt.owner);
  rec->worker = NULL;
}

/* ------------------------------------------------------------------------ */
/* Application shutdown under heavy load                                    */

#define N_LOAD 240

typedef enum
{
  LOAD_QUEUE_FOREVER,   /* yields forever into a small queue: blocks on backpressure */
  LOAD_LATEST_FOREVER,  /* yields forever, LATEST */
  LOAD_SLEEPER,         /* tw_worker_sleep() in a loop */
  LOAD_BLOCKING_READ,   /* a GIO read only cancellation ends */
  LOAD_PAUSED,          /* paused by the owner once started */
  LOAD_SHORT,           /* returns at once */
  N_LOAD_KINDS
} LoadKind;

typedef struct
{
  GApplication *app;
  int           pipe_fds[2];
  TwWorker     *workers[N_LOAD];
  TwRecorder   *recs[N_LOAD];
  gint          finalized[N_LOAD];
  guint         n_started;
  guint         n_started_at_shutdown;
  guint         n_yields;
  gboolean      released;
} Load;

/* Valgrind runs all threads on one core, ~30 times slower: the load tests
 * keep their shape with fewer threads at once. */
static gboolean
running_under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

static void
load_work (TwWorker *worker,
           gpointer  user_data)
{
  Load *load = g_object_get_data (G_OBJECT (worker), "load");
  LoadKind kind = GPOINTER_TO_UINT (user_data);
  guint i = 0;

  switch (kind)
    {
    case LOAD_QUEUE_FOREVER:
    case LOAD_LATEST_FOREVER:
    case LOAD_PAUSED:
      while (tw_worker_yield_int (worker, i++))
        ;
      break;
    case LOAD_SLEEPER:
      while (tw_worker_sleep (worker, 5))
        tw_worker_set_progress (worker, (i++ % 100) / 100.0);
      break;
    case LOAD_BLOCKING_READ:
      {
        g_autoptr(GInputStream) stream = g_unix_input_stream_new (load->pipe_fds[0], FALSE);
        g_autoptr(GError) error = NULL;
        char byte;

        g_assert_cmpint (g_input_stream_read (stream, &byte, 1, tw_worker_get_cancellable (worker),
                                              &error), ==, -1);
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      }
      break;
    case LOAD_SHORT:
    default:
      tw_worker_return_int (worker, 1);
      break;
    }
}

static void
load_weak_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
  g_atomic_int_set ((gint *) data, TRUE);
}

static void
on_load_started (TwWorker *worker,
                 Load     *load)
{
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (worker), "kind")) == LOAD_PAUSED)
    tw_worker_pause (worker);
  load->n_started++;
}

static void
on_load_yielded (TwWorker     *worker,
                 const GValue *value,
                 Load         *load)
{
  /* Shut down in the thick of it: many yields flowing, most workers still
   * waiting for a thread. */
  if (++load->n_yields == (running_under_valgrind () ? 500 : 2000) && !load->released)
    {
      load->released = TRUE;
      load->n_started_at_shutdown = load->n_started;
      g_application_release (load->app);
    }
}

static void
on_load_activate (GApplication *app,
                  Load         *load)
{
  g_application_hold (app);
  for (guint i = 0; i < N_LOAD; i++)
    {
      LoadKind kind = i % N_LOAD_KINDS;
      TwWorker *worker = tw_function_worker_new (load_work, GUINT_TO_POINTER (kind), NULL);

      g_object_set_data (G_OBJECT (worker), "load", load);
      g_object_set_data (G_OBJECT (worker), "kind", GUINT_TO_POINTER (kind));
      g_object_weak_ref (G_OBJECT (worker), load_weak_notify, &load->finalized[i]);
      tw_worker_set_max_pending_yields (worker, 4);
      if (kind == LOAD_LATEST_FOREVER)
        tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
      load->recs[i] = tw_recorder_new (worker);
      g_signal_connect (worker, "started", G_CALLBACK (on_load_started), load);
      g_signal_connect (worker, "yielded", G_CALLBACK (on_load_yielded), load);
      load->workers[i] = worker;
      tw_worker_start (worker);
    }
}

static void
test_app_shutdown_under_heavy_load (void)
{
  Load load = { 0 };
  TwPool *pool = tw_pool_get_default ();
  guint max_threads = tw_pool_get_max_threads (pool);
  guint n_aborted = 0;
  int status;

  /* Many runs at once: blocked producers, sleepers, blocking reads, paused
   * work, and the rest waiting for a thread. */
  tw_pool_set_max_threads (pool, running_under_valgrind () ? 16 : 48);
  g_assert_cmpint (pipe (load.pipe_fds), ==, 0);
  load.app = g_application_new ("org.threadworker.TestShutdown", G_APPLICATION_NON_UNIQUE);
  /* Shutdown quits every worker and waits for them; a worker that did not
   * stop would be named in a warning, which fails the test. */
  tw_pool_bind_application (pool, load.app, TW_TEST_DEADLINE_MS);
  g_signal_connect (load.app, "activate", G_CALLBACK (on_load_activate), &load);

  status = g_application_run (load.app, 0, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (load.released);

  /* Every worker ended exactly once: shutdown ended the ones still alive. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);
  g_assert_cmpuint (tw_pool_get_n_running (pool), ==, 0);
  g_assert_cmpuint (tw_pool_get_n_waiting (pool), ==, 0);
  for (guint i = 0; i < N_LOAD; i++)
    {
      TwRecorder *rec = load.recs[i];
      const char *log = rec->log->str;
      gsize len = rec->log->len;
      LoadKind kind = i % N_LOAD_KINDS;

      g_assert_cmpuint (rec->n_finished, ==, 1);
      g_assert_cmpuint (len, >=, 3);
      g_assert_cmpint (log[0], ==, 'S');
      g_assert_cmpint (log[len - 1], ==, 'F');
      g_assert_true (strchr ("RA", log[len - 2]) != NULL);
      g_assert_false (tw_worker_get_is_running (load.workers[i]));
      if (kind != LOAD_SHORT)
        g_assert_cmpint (log[len - 2], ==, 'A');
      if (log[len - 2] == 'A')
        n_aborted++;
    }
  g_test_message ("%u workers, %u started before shutdown, %u yields, %u aborted",
                  N_LOAD, load.n_started_at_shutdown, load.n_yields, n_aborted);
  g_assert_cmpuint (load.n_started_at_shutdown, <, N_LOAD);   /* some were still waiting */

  for (guint i = 0; i < N_LOAD; i++)
    {
      tw_recorder_free (load.recs[i]);
      g_object_unref (load.workers[i]);
      g_assert_true (g_atomic_int_get (&load.finalized[i]));
    }
  g_object_unref (load.app);
  tw_pool_set_max_threads (pool, max_threads);
  close (load.pipe_fds[0]);
  close (load.pipe_fds[1]);
}

/* ------------------------------------------------------------------------ */
/* A child process that crashes or hangs                                    */

static TwWorker *
child_worker (const char *script)
{
  const char *argv[] = { "sh", "-c", script, NULL };
  g_autoptr(GError) error = NULL;
  TwWorker *worker = tw_subprocess_worker_new (argv, &error);

  g_assert_no_error (error);
  return worker;
}

static const char *
rec_line (TwRecorder *rec,
          guint       index)
{
  g_assert_cmpuint (index, <, rec->values->len);
  return g_value_get_string (g_ptr_array_index (rec->values, index));
}

/* The child printed its pid first; once the run finished it must be gone
 * (reaped), not a zombie nor still running. */
static void
assert_child_gone (TwRecorder *rec)
{
  GPid pid = atoi (rec_line (rec, 0));

  g_assert_cmpint (pid, >, 1);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

#define CRASH_LINES 2000

/* A child that crashes after a lot of output: every line it wrote arrives
 * (all of them with QUEUE, the last one with LATEST) before `errored`. */
static void
test_child_crash_after_output_delivers_its_lines (void)
{
  for (guint latest = 0; latest <= 1; latest++)
    {
      g_autofree char *script = g_strdup_printf ("echo $$; i=0; while [ $i -lt %d ]; do echo $i; "
                                                 "i=$((i+1)); done; kill -ABRT $$", CRASH_LINES);
      g_autoptr(TwWorker) worker = child_worker (script);
      g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
      g_autofree char *last = g_strdup_printf ("%d", CRASH_LINES - 1);

      if (latest)
        tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
      tw_worker_start (worker);
      tw_recorder_wait_finished (rec, 1);

      g_assert_true (g_str_has_suffix (rec->log->str, "YEF"));
      g_assert_cmpstr (rec_line (rec, rec->values->len - 1), ==, last);
      if (!latest)
        {
          g_assert_cmpuint (rec->values->len, ==, CRASH_LINES + 1);
          for (guint i = 0; i < CRASH_LINES; i++)
            g_assert_cmpint (atoi (rec_line (rec, i + 1)), ==, i);
          assert_child_gone (rec);
        }
      g_assert_nonnull (rec->error);
      g_assert_nonnull (strstr (rec->error->message, g_strsignal (SIGABRT)));
      g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ERRORED);
    }
}

static void
on_first_line_quit (TwWorker     *worker,
                    const GValue *value,
                    gpointer      user_data)
{
  tw_worker_quit (worker);
}

static void
on_first_line_pause (TwWorker     *worker,
                     const GValue *value,
                     gpointer      user_data)
{
  tw_worker_pause (worker);
}

static void
on_paused_quit (TwWorker *worker,
                gpointer  user_data)
{
  tw_worker_quit (worker);
}

/* Hung children: one that stopped itself (SIGTERM stays pending on a
 * stopped process), one paused by the worker that ignores SIGTERM, and a
 * silent one ignoring SIGTERM. Quit ends each of them. */
static void
test_hung_child_ends_on_quit (void)
{
  static const char *scripts[] = {
    "echo $$; kill -STOP $$; echo never",
    "trap '' TERM; echo $$; while :; do sleep 0.05; echo tick; done",
    "trap '' TERM; echo $$; exec sleep 1000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autoptr(TwWorker) worker = child_worker (scripts[i]);
      g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

      tw_subprocess_worker_set_kill_timeout (TW_SUBPROCESS_WORKER (worker), 200);
      if (i == 1)
        {
          g_signal_connect (worker, "yielded", G_CALLBACK (on_first_line_pause), NULL);
          g_signal_connect (worker, "paused", G_CALLBACK (on_paused_quit), NULL);
        }
      else
        g_signal_connect (worker, "yielded", G_CALLBACK (on_first_line_quit), NULL);
      tw_worker_start (worker);
      tw_recorder_wait_finished (rec, 1);

      g_assert_true (g_str_has_prefix (rec->log->str, "SY"));
      g_assert_true (g_str_has_suffix (rec->log->str, "AF"));
      g_assert_null (strstr (rec->log->str, "R"));
      if (i == 1)
        g_assert_nonnull (strchr (rec->log->str, 'P'));
      assert_child_gone (rec);
    }
}

#define N_HUNG 8

typedef struct
{
  GApplication *app;
  TwRecorder   *recs[N_HUNG];
  guint         n_up;
} Hung;

static void
on_hung_up (TwWorker     *worker,
            const GValue *value,
            Hung         *hung)
{
  /* Every child is up and hanging: shut the application down. */
  if (++hung->n_up == N_HUNG)
    g_application_release (hung->app);
}

static void
on_hung_activate (GApplication *app,
                  Hung         *hung)
{
  g_application_hold (app);
  for (guint i = 0; i < N_HUNG; i++)
    {
      TwWorker *worker = child_worker (i % 2 ? "trap '' TERM; echo $$; exec sleep 1000"
                                             : "echo $$; exec sleep 1000");

      tw_subprocess_worker_set_kill_timeout (TW_SUBPROCESS_WORKER (worker), 300);
      hung->recs[i] = tw_recorder_new (worker);
      g_signal_connect (worker, "yielded", G_CALLBACK (on_hung_up), hung);
      tw_worker_start (worker);
    }
}

/* Application shutdown with children that never exit on their own, half of
 * them ignoring SIGTERM: shutdown ends every one and returns. */
static void
test_hung_children_end_at_app_shutdown (void)
{
  Hung hung = { 0 };
  TwPool *pool = tw_pool_get_default ();
  guint max_threads = tw_pool_get_max_threads (pool);

  tw_pool_set_max_threads (pool, N_HUNG);
  hung.app = g_application_new ("org.threadworker.TestHungShutdown", G_APPLICATION_NON_UNIQUE);
  tw_pool_bind_application (pool, hung.app, TW_TEST_DEADLINE_MS);
  g_signal_connect (hung.app, "activate", G_CALLBACK (on_hung_activate), &hung);
  g_assert_cmpint (g_application_run (hung.app, 0, NULL), ==, 0);

  g_assert_cmpuint (hung.n_up, ==, N_HUNG);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);
  for (guint i = 0; i < N_HUNG; i++)
    {
      TwRecorder *rec = hung.recs[i];
      TwWorker *worker = rec->worker;

      g_assert_cmpstr (rec->log->str, ==, "SYAF");
      assert_child_gone (rec);
      tw_recorder_free (rec);
      g_object_unref (worker);
    }
  g_object_unref (hung.app);
  tw_pool_set_max_threads (pool, max_threads);
}

/* ------------------------------------------------------------------------ */
/* An owner that restarts again while a restart is pending                  */

static void
wait_for_quit_work (TwWorker *worker,
                    gpointer  user_data)
{
  guint *n_runs = user_data;

  g_atomic_int_inc (n_runs);
  while (tw_worker_sleep (worker, 1000))
    ;
  tw_worker_return_int (worker, 5);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_false (tw_worker_run_finish (TW_WORKER (source), result, &value, error));
  g_assert_nonnull (*error);
}

/* run_async joined to a pending restart waits for that new run even when
 * restart() is called again before the old run has ended: several restarts
 * make one new run (found by the model test, seed 4609601683399788816). */
static void
test_run_async_joined_to_a_restart_survives_another_restart (void)
{
  guint n_runs = 0;
  g_autoptr(TwWorker) worker = tw_function_worker_new (wait_for_quit_work, &n_runs, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GError) error = NULL;

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&n_runs) == 1);
  tw_worker_restart (worker);
  tw_worker_run_async (worker, NULL, run_done_cb, &error);
  tw_worker_restart (worker);

  /* The old run ends; the call waits for the new run, which then runs. */
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&n_runs) == 2);
  g_assert_null (error);

  tw_worker_quit (worker);
  TW_TEST_WAIT_UNTIL (error != NULL);
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSAF");
  g_assert_cmpuint (g_atomic_int_get (&n_runs), ==, 2);
}

/* ------------------------------------------------------------------------ */
/* A worker owned by another thread, on a pool of the main thread           */

typedef struct
{
  TwPool   *pool;
  GThread  *main_thread;
  GThread  *owner;          /* the helper thread */
  gint      n_destroyed;
  GThread  *destroy_thread;
  gint      n_finished;
  gint      n_wrong_thread;
  gint      done;
} Foreign;

static void
foreign_destroy (gpointer data)
{
  Foreign *f = data;

  f->destroy_thread = g_thread_self ();
  g_atomic_int_inc (&f->n_destroyed);
}

static void
on_foreign_signal (TwWorker *worker,
                   Foreign  *f)
{
  if (g_thread_self () != f->owner)
    g_atomic_int_inc (&f->n_wrong_thread);
}

static void
on_foreign_returned (TwWorker     *worker,
                     const GValue *value,
                     Foreign      *f)
{
  on_foreign_signal (worker, f);
}

static void
on_foreign_finished (TwWorker *worker,
                     Foreign  *f)
{
  on_foreign_signal (worker, f);
  g_atomic_int_inc (&f->n_finished);
}

static gpointer
foreign_owner_thread (gpointer data)
{
  Foreign *f = data;
  GMainContext *context = g_main_context_new ();
  TwWorker *worker;
  gint64 end = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;

  f->owner = g_thread_self ();
  g_main_context_push_thread_default (context);

  worker = tw_function_worker_new (return_7, f, foreign_destroy);
  tw_worker_set_pool (worker, f->pool);
  g_signal_connect (worker, "started", G_CALLBACK (on_foreign_signal), f);
  g_signal_connect (worker, "returned", G_CALLBACK (on_foreign_returned), f);
  g_signal_connect (worker, "finished", G_CALLBACK (on_foreign_finished), f);
  tw_worker_start (worker);
  while (g_atomic_int_get (&f->n_finished) == 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);
  g_object_unref (worker);

  /* The pool's thread may hold the last reference (its list changes
   * there); the destroy notify comes back to this context either way. */
  while (g_atomic_int_get (&f->n_destroyed) == 0 && g_get_monotonic_time () < end)
    {
      GSource *wake = g_timeout_source_new (10);

      g_source_set_callback (wake, tw_test_wakeup_cb, NULL, NULL);
      g_source_attach (wake, context);
      g_main_context_iteration (context, TRUE);
      g_source_destroy (wake);
      g_source_unref (wake);
    }

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_atomic_int_set (&f->done, 1);
  return NULL;
}

static void
on_foreign_items_changed (GListModel *list,
                          guint       position,
                          guint       removed,
                          guint       added,
                          Foreign    *f)
{
  if (g_thread_self () != f->main_thread)
    g_atomic_int_inc (&f->n_wrong_thread);
}

/* The worker's signals and destroy notify stay on its owner's thread; the
 * pool's list changes only on the pool's thread. */
static void
test_worker_of_another_thread_on_a_main_thread_pool (void)
{
  Foreign f = { 0 };
  GThread *thread;

  f.pool = tw_pool_new ();
  f.main_thread = g_thread_self ();
  g_signal_connect (f.pool, "items-changed", G_CALLBACK (on_foreign_items_changed), &f);
  thread = g_thread_new ("tw-test-owner", foreign_owner_thread, &f);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&f.done));
  g_thread_join (thread);

  TW_TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f.pool)) == 0);
  g_assert_cmpint (g_atomic_int_get (&f.n_finished), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&f.n_destroyed), ==, 1);
  g_assert_true (f.destroy_thread == f.owner);
  g_assert_cmpint (g_atomic_int_get (&f.n_wrong_thread), ==, 0);
  g_signal_handlers_disconnect_by_data (f.pool, &f);
  g_assert_finalize_object (f.pool);
}

typedef struct
{
  TwGate gate;
  gint   n_runs;
} GatedRuns;

static void
count_then_wait_for_gate (TwWorker *worker,
                          gpointer  user_data)
{
  GatedRuns *g = user_data;

  g_atomic_int_inc (&g->n_runs);
  tw_gate_wait (&g->gate);   /* no checkpoint: the run ends when the test says */
}

static void
cancelled_run_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (tw_worker_run_finish (TW_WORKER (source), result, NULL, error));
}

/* Cancelling a run_async call quits the run it started, not a restart that
 * was asked for meanwhile: the restart still happens. */
static void
test_cancelled_run_async_keeps_a_later_restart (void)
{
  GatedRuns g = { 0 };
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  tw_gate_init (&g.gate);
  worker = tw_function_worker_new (count_then_wait_for_gate, &g, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_run_async (worker, cancellable, cancelled_run_done_cb, &error);   /* starts run 1 */
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&g.n_runs) == 1);

  tw_worker_restart (worker);            /* quits run 1, run 2 to follow */
  g_cancellable_cancel (cancellable);    /* the call that started run 1 */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (tw_worker_get_is_running (worker));

  tw_gate_open (&g.gate);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SAFSRF");
  g_assert_cmpint (g_atomic_int_get (&g.n_runs), ==, 2);
  TW_TEST_WAIT_UNTIL (error != NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  tw_gate_clear (&g.gate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Faults/error-at-every-point-of-a-run", test_error_at_every_point_of_a_run);
  g_test_add_func ("/Tw/Faults/error-after-latest-yields-delivers-the-last-value",
                   test_error_after_latest_yields_delivers_the_last_value);
  g_test_add_func ("/Tw/Faults/error-after-quit-ends-aborted", test_error_after_quit_ends_aborted);
  g_test_add_func ("/Tw/Faults/work-ending-without-result-returns-nothing",
                   test_work_ending_without_result_returns_nothing);
  g_test_add_func ("/Tw/Faults/owner-not-iterated-queue-blocks-the-producer",
                   test_owner_not_iterated_queue_blocks_the_producer);
  g_test_add_func ("/Tw/Faults/owner-not-iterated-latest-keeps-one-value",
                   test_owner_not_iterated_latest_keeps_one_value);
  g_test_add_func ("/Tw/Faults/last-unref-of-idle-worker-on-another-thread",
                   test_last_unref_of_idle_worker_on_another_thread);
  g_test_add_func ("/Tw/Faults/last-unref-of-running-worker-on-another-thread",
                   test_last_unref_of_running_worker_on_another_thread);
  g_test_add_func ("/Tw/Faults/last-unref-inside-the-work", test_last_unref_inside_the_work);
  g_test_add_func ("/Tw/Faults/app-shutdown-under-heavy-load", test_app_shutdown_under_heavy_load);
  g_test_add_func ("/Tw/Faults/worker-of-another-thread-on-a-main-thread-pool",
                   test_worker_of_another_thread_on_a_main_thread_pool);
  g_test_add_func ("/Tw/Faults/run-async-joined-to-a-restart-survives-another-restart",
                   test_run_async_joined_to_a_restart_survives_another_restart);
  g_test_add_func ("/Tw/Faults/cancelled-run-async-keeps-a-later-restart",
                   test_cancelled_run_async_keeps_a_later_restart);
  g_test_add_func ("/Tw/Faults/child-crash-after-output-delivers-its-lines",
                   test_child_crash_after_output_delivers_its_lines);
  g_test_add_func ("/Tw/Faults/hung-child-ends-on-quit", test_hung_child_ends_on_quit);
  g_test_add_func ("/Tw/Faults/hung-children-end-at-app-shutdown", test_hung_children_end_at_app_shutdown);

  return g_test_run ();
}
