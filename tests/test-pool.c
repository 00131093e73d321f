/* test-pool.c: TwPool: the limit on concurrent runs, the thread cache (reuse
 * most-recently-idle first, idle timeout), paused runs and their slot, the
 * GListModel of live workers, and shutdown.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

#include <string.h>

static gboolean
count_forever (TwWorker     *worker,
               const GValue *sent,
               gpointer      user_data)
{
  gint64 *i = user_data;

  return tw_worker_yield_int (worker, (*i)++);
}

static void
count_finished (guint *n)
{
  (*n)++;
}

static TwWorker *
new_worker_on (TwPool     *pool,
               TwWorkFunc  func,
               gpointer    data)
{
  TwWorker *worker = tw_function_worker_new (func, data, NULL);

  tw_worker_set_pool (worker, pool);
  return worker;
}

/* ------------------------------------------------------------------------ */
/* The limit                                                                */

typedef struct
{
  int active;       /* atomic */
  int max_active;   /* atomic */
  int calls;        /* atomic */
} Concurrency;

static void
measure_concurrency (TwWorker *worker,
                     gpointer  user_data)
{
  Concurrency *c = user_data;
  int active = g_atomic_int_add (&c->active, 1) + 1;
  int max;

  do
    max = g_atomic_int_get (&c->max_active);
  while (active > max && !g_atomic_int_compare_and_exchange (&c->max_active, max, active));

  /* A little work, so runs overlap when they can. */
  for (volatile int i = 0; i < 2000; i++)
    ;

  g_atomic_int_inc (&c->calls);
  g_atomic_int_add (&c->active, -1);
}

static void
test_max_threads_limits_concurrent_runs (void)
{
  enum { N_WORKERS = 10000 };
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);
  Concurrency c = { 0, };
  guint n_finished = 0;

  tw_pool_set_max_threads (pool, 4);
  for (guint i = 0; i < N_WORKERS; i++)
    {
      TwWorker *worker = new_worker_on (pool, measure_concurrency, &c);

      g_signal_connect_swapped (worker, "finished", G_CALLBACK (count_finished), &n_finished);
      g_ptr_array_add (workers, worker);
    }
  for (guint i = 0; i < N_WORKERS; i++)
    tw_worker_start (g_ptr_array_index (workers, i));

  TW_TEST_WAIT_UNTIL (n_finished == N_WORKERS);

  g_assert_cmpint (g_atomic_int_get (&c.calls), ==, N_WORKERS);
  g_assert_cmpint (g_atomic_int_get (&c.max_active), >=, 1);
  g_assert_cmpint (g_atomic_int_get (&c.max_active), <=, 4);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), <=, 4);
  for (guint i = 0; i < N_WORKERS; i++)
    g_assert_cmpint (tw_worker_get_state (g_ptr_array_index (workers, i)), ==,
                     TW_WORKER_STATE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);
}

typedef struct
{
  GMutex  lock;
  GArray *order;
  guint   index;
} Ordered;

typedef struct
{
  Ordered *ordered;
  guint    index;
} OrderedJob;

static void
record_order (TwWorker *worker,
              gpointer  user_data)
{
  OrderedJob *job = user_data;

  g_mutex_lock (&job->ordered->lock);
  g_array_append_val (job->ordered->order, job->index);
  g_mutex_unlock (&job->ordered->lock);
}

static void
test_waiting_runs_start_in_order (void)
{
  enum { N_WORKERS = 50 };
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);
  Ordered ordered = { .order = g_array_new (FALSE, FALSE, sizeof (guint)) };
  OrderedJob jobs[N_WORKERS];
  guint n_finished = 0;

  g_mutex_init (&ordered.lock);
  tw_pool_set_max_threads (pool, 1);
  for (guint i = 0; i < N_WORKERS; i++)
    {
      TwWorker *worker;

      jobs[i] = (OrderedJob) { &ordered, i };
      worker = new_worker_on (pool, record_order, &jobs[i]);
      g_signal_connect_swapped (worker, "finished", G_CALLBACK (count_finished), &n_finished);
      g_ptr_array_add (workers, worker);
      tw_worker_start (worker);
    }
  TW_TEST_WAIT_UNTIL (n_finished == N_WORKERS);

  g_assert_cmpuint (ordered.order->len, ==, N_WORKERS);
  for (guint i = 0; i < N_WORKERS; i++)
    g_assert_cmpuint (g_array_index (ordered.order, guint, i), ==, i);
  g_array_unref (ordered.order);
  g_mutex_clear (&ordered.lock);
}

static void
test_raising_max_threads_starts_waiting_runs (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  TwGate gate;
  TwWorker *workers[3];

  tw_gate_init (&gate);
  tw_pool_set_max_threads (pool, 1);
  for (guint i = 0; i < 3; i++)
    {
      workers[i] = new_worker_on (pool, tw_test_work_wait_for_gate, &gate);
      tw_worker_start (workers[i]);
    }
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (workers[0]) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpint (tw_worker_get_state (workers[1]), ==, TW_WORKER_STATE_WAITING);
  g_assert_cmpint (tw_worker_get_state (workers[2]), ==, TW_WORKER_STATE_WAITING);

  tw_pool_set_max_threads (pool, 3);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (workers[1]) == TW_WORKER_STATE_RUNNING &&
                      tw_worker_get_state (workers[2]) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpuint (tw_pool_get_n_running (pool), ==, 3);

  tw_gate_open (&gate);
  for (guint i = 0; i < 3; i++)
    {
      TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (workers[i]));
      g_object_unref (workers[i]);
    }
  tw_gate_clear (&gate);
}

static void
test_default_max_threads_is_processors_at_least_two (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();

  g_assert_cmpuint (tw_pool_get_max_threads (pool), ==, MAX (2, g_get_num_processors ()));
  g_assert_cmpuint (tw_pool_get_idle_timeout (pool), ==, 10000);
}

/* ------------------------------------------------------------------------ */
/* The thread cache                                                         */

typedef struct
{
  TwPool   *pool;
  GThread  *threads[100];
  guint     n;
} Chain;

static void
record_thread (TwWorker *worker,
               gpointer  user_data)
{
  GThread **slot = user_data;

  *slot = g_thread_self ();
}

static void
start_next_in_chain (TwWorker *finished,
                     Chain    *chain)
{
  TwWorker *next;

  if (chain->n == G_N_ELEMENTS (chain->threads))
    return;
  next = new_worker_on (chain->pool, record_thread, &chain->threads[chain->n++]);
  g_signal_connect (next, "finished", G_CALLBACK (start_next_in_chain), chain);
  tw_worker_start (next);
  g_object_unref (next);   /* a running worker keeps itself alive */
}

static void
test_sequential_jobs_reuse_one_thread (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  Chain chain = { pool, { NULL, }, 0 };

  /* Each job is started from the finished handler of the one before. */
  start_next_in_chain (NULL, &chain);
  TW_TEST_WAIT_UNTIL (chain.n == G_N_ELEMENTS (chain.threads) &&
                      g_list_model_get_n_items (G_LIST_MODEL (pool)) == 0);

  for (guint i = 1; i < chain.n; i++)
    g_assert_true (chain.threads[i] == chain.threads[0]);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 1);
}

typedef struct
{
  TwGate   gate;
  GThread *thread;   /* written before the gate is waited on */
  int      ready;    /* atomic */
} Parked;

static void
park (TwWorker *worker,
      gpointer  user_data)
{
  Parked *p = user_data;

  p->thread = g_thread_self ();
  g_atomic_int_set (&p->ready, 1);
  tw_gate_wait (&p->gate);
}

static void
test_most_recently_idle_thread_is_reused_first (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  Parked parked[5];
  TwWorker *workers[5];

  tw_pool_set_max_threads (pool, 3);
  for (guint i = 0; i < 5; i++)
    {
      memset (&parked[i], 0, sizeof parked[i]);
      tw_gate_init (&parked[i].gate);
      workers[i] = new_worker_on (pool, park, &parked[i]);
    }

  /* Three runs on three threads. */
  for (guint i = 0; i < 3; i++)
    tw_worker_start (workers[i]);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&parked[0].ready) && g_atomic_int_get (&parked[1].ready) &&
                      g_atomic_int_get (&parked[2].ready));
  g_assert_true (parked[0].thread != parked[1].thread);
  g_assert_true (parked[1].thread != parked[2].thread);
  g_assert_true (parked[0].thread != parked[2].thread);

  /* They become idle in the order 0, 1, 2 ... */
  for (guint i = 0; i < 3; i++)
    {
      tw_gate_open (&parked[i].gate);
      TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (workers[i]));
    }
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 3);

  /* ... and are reused 2 first, then 1. */
  tw_worker_start (workers[3]);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&parked[3].ready));
  g_assert_true (parked[3].thread == parked[2].thread);
  tw_worker_start (workers[4]);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&parked[4].ready));
  g_assert_true (parked[4].thread == parked[1].thread);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 3);

  for (guint i = 3; i < 5; i++)
    {
      tw_gate_open (&parked[i].gate);
      TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (workers[i]));
    }
  for (guint i = 0; i < 5; i++)
    {
      g_assert_finalize_object (workers[i]);
      tw_gate_clear (&parked[i].gate);
    }
}

static void
test_idle_threads_exit_after_idle_timeout (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  TwGate gate;
  TwWorker *workers[2];

  tw_gate_init (&gate);
  tw_pool_set_idle_timeout (pool, 20);
  for (guint i = 0; i < 2; i++)
    {
      workers[i] = new_worker_on (pool, tw_test_work_wait_for_gate, &gate);
      tw_worker_start (workers[i]);
    }
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == 2);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 2);

  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_threads (pool) == 0);

  /* The pool goes on with new threads. */
  g_assert_false (tw_worker_get_is_running (workers[0]));
  tw_worker_start (workers[0]);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (workers[0]));
  g_assert_cmpint (tw_worker_get_state (workers[0]), ==, TW_WORKER_STATE_FINISHED);
  for (guint i = 0; i < 2; i++)
    g_object_unref (workers[i]);
  tw_gate_clear (&gate);
}

static void
test_release_threads_ends_idle_threads (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) worker = new_worker_on (pool, tw_test_work_return_42, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 1);

  tw_pool_release_threads (pool);
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 0);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SRFSRF");
}

/* ------------------------------------------------------------------------ */
/* Paused runs                                                              */

/* Makes @pool one thread wide and runs @paused in it until it is paused,
 * which gives the only slot up. */
static void
pause_in_the_only_slot (TwPool   *pool,
                        TwWorker *paused)
{
  tw_pool_set_max_threads (pool, 1);
  tw_worker_set_pool (paused, pool);
  tw_worker_start (paused);
  tw_worker_pause (paused);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (paused));
}

/* The same, then a worker blocked on @gate takes the slot; returns it. */
static TwWorker *
pause_then_block_the_only_slot (TwPool   *pool,
                                TwWorker *paused,
                                TwGate   *gate)
{
  TwWorker *blocker = new_worker_on (pool, tw_test_work_wait_for_gate, gate);

  pause_in_the_only_slot (pool, paused);
  tw_worker_start (blocker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (blocker) == TW_WORKER_STATE_RUNNING);
  return blocker;
}

static void
test_paused_worker_releases_its_slot (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  gint64 i = 0;
  g_autoptr(TwWorker) paused = tw_generator_worker_new (count_forever, &i, NULL);
  g_autoptr(TwWorker) other = new_worker_on (pool, tw_test_work_return_42, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (other);

  pause_in_the_only_slot (pool, paused);

  /* The only slot is free while the worker is paused. */
  tw_worker_start (other);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_true (tw_worker_get_is_paused (paused));

  tw_worker_quit (paused);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (paused));
}

static void
test_resume_over_the_limit_delays_new_runs (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  gint64 i = 0;
  g_autoptr(TwWorker) paused = tw_generator_worker_new (count_forever, &i, NULL);
  g_autoptr(TwWorker) blocker = NULL;
  g_autoptr(TwWorker) waiting = new_worker_on (pool, tw_test_work_return_42, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (waiting);
  TwGate gate;

  tw_gate_init (&gate);
  blocker = pause_then_block_the_only_slot (pool, paused, &gate);

  /* Resuming is prompt, even though the pool is then over its limit ... */
  tw_worker_resume (paused);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (paused) == TW_WORKER_STATE_RUNNING);

  /* ... and no new run starts until a run is gone and more. */
  tw_worker_start (waiting);
  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  tw_test_iterate_ticks (5);
  g_assert_cmpint (tw_worker_get_state (waiting), ==, TW_WORKER_STATE_WAITING);
  g_assert_cmpstr (rec->log->str, ==, "");

  tw_worker_quit (paused);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (paused));
  tw_gate_clear (&gate);
}

/* The two instants a pausing run hands its slot over, forced with the pool's
 * test hook: the owner sees a run RUNNING only while it holds a slot. */
static void
test_resume_is_announced_once_the_slot_is_taken_back (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  gint64 i = 0;
  g_autoptr(TwWorker) paused = tw_generator_worker_new (count_forever, &i, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (paused);
  g_autoptr(TwWorker) blocker = NULL;
  TwSlotStop stop;
  TwGate gate;

  tw_gate_init (&gate);
  blocker = pause_then_block_the_only_slot (pool, paused, &gate);

  /* Stop the resumed run right before it takes its slot back: whatever it
   * announced before that is delivered now, and it must not be `resumed`.
   * Were it, the blocker's end would start a waiting run in "the only
   * slot" while this one runs. */
  tw_slot_stop_init (&stop, pool, paused, FALSE);
  tw_worker_resume (paused);
  TW_TEST_WAIT_UNTIL (tw_gate_is_open (&stop.entered));
  tw_test_dispatch_pending ();
  g_assert_cmpint (tw_worker_get_state (paused), ==, TW_WORKER_STATE_PAUSED);
  g_assert_true (g_str_has_suffix (rec->log->str, "P"));

  tw_gate_open (&stop.go);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (paused) == TW_WORKER_STATE_RUNNING);
  g_assert_nonnull (strstr (rec->log->str, "PU"));

  tw_worker_quit (paused);
  tw_gate_open (&gate);
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  tw_assert_one_run (rec->log->str, 'A');
  tw_slot_stop_clear (&stop);
  tw_gate_clear (&gate);
}

static void
test_pause_gives_the_slot_once_the_run_is_paused (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  gint64 i = 0, i_paused;
  g_autoptr(TwWorker) paused = tw_generator_worker_new (count_forever, &i, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (paused);
  g_autoptr(TwWorker) other = new_worker_on (pool, tw_test_work_return_42, NULL);
  g_autoptr(TwRecorder) other_rec = tw_recorder_new (other);
  TwSlotStop stop;

  tw_pool_set_max_threads (pool, 1);
  tw_worker_set_pool (paused, pool);
  tw_slot_stop_init (&stop, pool, paused, TRUE);

  tw_worker_start (paused);
  TW_TEST_WAIT_UNTIL (rec->values->len > 0);
  tw_worker_pause (paused);

  /* Stopped right before it gives its slot away: it has stopped stepping
   * and said so, and the slot is still its own. (Iterate meanwhile: the
   * run may first wait for room among its pending yields.) */
  TW_TEST_WAIT_UNTIL (tw_gate_is_open (&stop.entered));
  tw_test_dispatch_pending ();
  g_assert_cmpint (tw_worker_get_state (paused), ==, TW_WORKER_STATE_PAUSED);
  g_assert_true (g_str_has_suffix (rec->log->str, "P"));
  i_paused = i;
  tw_worker_start (other);
  tw_test_dispatch_pending ();
  g_assert_cmpint (tw_worker_get_state (other), ==, TW_WORKER_STATE_WAITING);

  /* Given away: the waiting run uses it, the paused one takes no step. */
  tw_gate_open (&stop.go);
  tw_recorder_wait_finished (other_rec, 1);
  g_assert_cmpstr (other_rec->log->str, ==, "SRF");
  g_assert_cmpint (tw_worker_get_state (paused), ==, TW_WORKER_STATE_PAUSED);
  g_assert_cmpint (i, ==, i_paused);

  tw_worker_quit (paused);
  tw_recorder_wait_finished (rec, 1);
  tw_assert_one_run (rec->log->str, 'A');
  tw_slot_stop_clear (&stop);
}

/* ------------------------------------------------------------------------ */
/* The list of live workers                                                 */

typedef struct
{
  GThread *owner;
  guint    n_changes;
  guint    n_running_notifies;
  guint    n_waiting_notifies;
} ModelWatch;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  ModelWatch *watch)
{
  g_assert_true (g_thread_self () == watch->owner);
  g_assert_cmpuint (position + added, <=, g_list_model_get_n_items (model));
  watch->n_changes++;
}

static void
on_pool_notify (TwPool     *pool,
                GParamSpec *pspec,
                ModelWatch *watch)
{
  g_assert_true (g_thread_self () == watch->owner);
  if (g_str_equal (pspec->name, "n-running"))
    watch->n_running_notifies++;
  else if (g_str_equal (pspec->name, "n-waiting"))
    watch->n_waiting_notifies++;
}

static void
test_list_model_tracks_live_workers (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) first = NULL;
  g_autoptr(TwWorker) second = NULL;
  g_autoptr(TwWorker) item = NULL;
  ModelWatch watch = { g_thread_self (), 0, 0, 0 };
  TwGate gate;

  tw_gate_init (&gate);
  first = new_worker_on (pool, tw_test_work_wait_for_gate, &gate);
  second = new_worker_on (pool, tw_test_work_wait_for_gate, &gate);
  tw_pool_set_max_threads (pool, 1);
  g_signal_connect (pool, "items-changed", G_CALLBACK (on_items_changed), &watch);
  g_signal_connect (pool, "notify", G_CALLBACK (on_pool_notify), &watch);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (pool)) == TW_TYPE_WORKER);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);

  tw_worker_start (first);
  tw_worker_start (second);
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == 1);

  /* Started, not finished, in the order they were started. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 2);
  g_assert_cmpuint (tw_pool_get_n_waiting (pool), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (pool), 0);
  g_assert_true (item == first);
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (pool), 1);
  g_assert_true (item == second);
  g_clear_object (&item);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (pool), 2));

  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (pool)) == 0);
  g_assert_cmpuint (tw_pool_get_n_running (pool), ==, 0);
  g_assert_cmpuint (tw_pool_get_n_waiting (pool), ==, 0);
  g_assert_cmpuint (watch.n_changes, ==, 4);   /* two added, two removed */
  g_assert_cmpuint (watch.n_running_notifies, >=, 2);
  g_assert_cmpuint (watch.n_waiting_notifies, >=, 2);
  tw_gate_clear (&gate);
}

/* The pool keeps positions only once someone asks for them: a list asked
 * for, or items-changed connected, after workers joined must still be in
 * start order, and a worker leaving from the middle is told at its place. */
typedef struct
{
  GThread *owner;
  guint    position;
  guint    removed;
  guint    added;
  guint    n_changes;
} LastChange;

static void
remember_change (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 LastChange *change)
{
  g_assert_true (g_thread_self () == change->owner);
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->n_changes++;
}

static void
test_list_asked_for_late_keeps_the_start_order (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  TwWorker *workers[4];
  TwGate gates[G_N_ELEMENTS (workers)];
  LastChange change = { g_thread_self (), 0, 0, 0, 0 };

  tw_pool_set_max_threads (pool, G_N_ELEMENTS (workers));
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      tw_gate_init (&gates[i]);
      workers[i] = new_worker_on (pool, tw_test_work_wait_for_gate, &gates[i]);
      tw_worker_start (workers[i]);
    }
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == G_N_ELEMENTS (workers));

  /* Nobody listened so far: the first look sees the start order. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, G_N_ELEMENTS (workers));
  g_signal_connect (pool, "items-changed", G_CALLBACK (remember_change), &change);

  /* The second leaves: told at position 1. */
  tw_gate_open (&gates[1]);
  TW_TEST_WAIT_UNTIL (change.n_changes == 1);
  g_assert_cmpuint (change.position, ==, 1);
  g_assert_cmpuint (change.removed, ==, 1);
  g_assert_cmpuint (change.added, ==, 0);
  for (guint i = 0, j = 0; i < G_N_ELEMENTS (workers); i++)
    {
      g_autoptr(TwWorker) item = NULL;

      if (i == 1)
        continue;
      item = g_list_model_get_item (G_LIST_MODEL (pool), j++);
      g_assert_true (item == workers[i]);
    }

  /* The last leaves: told at position 2 of the three left. */
  tw_gate_open (&gates[3]);
  TW_TEST_WAIT_UNTIL (change.n_changes == 2);
  g_assert_cmpuint (change.position, ==, 2);

  tw_gate_open (&gates[0]);
  tw_gate_open (&gates[2]);
  TW_TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (pool)) == 0);
  g_assert_cmpuint (change.n_changes, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      g_assert_finalize_object (workers[i]);
      tw_gate_clear (&gates[i]);
    }
}

/* The pool tells items-changed in the middle of a worker's state change:
 * a handler that connects to the worker's notify::state there still hears
 * the state that change ends in. */
typedef struct
{
  TwWorker     *worker;
  GString      *states;
  gboolean      connected;
} LateWatch;

static void
note_state (TwWorker   *worker,
            GParamSpec *pspec,
            LateWatch  *watch)
{
  g_string_append_printf (watch->states, "%d", tw_worker_get_state (worker));
}

static void
connect_state_when_it_leaves (GListModel *model,
                              guint       position,
                              guint       removed,
                              guint       added,
                              LateWatch  *watch)
{
  if (removed == 1 && !watch->connected)
    {
      watch->connected = TRUE;
      g_signal_connect (watch->worker, "notify::state", G_CALLBACK (note_state), watch);
    }
}

static void
test_notify_connected_from_items_changed_hears_the_state (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) worker = new_worker_on (pool, tw_test_work_return_42, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autofree char *expected = g_strdup_printf ("%d", TW_WORKER_STATE_FINISHED);
  LateWatch watch = { worker, g_string_new (NULL), FALSE };

  g_signal_connect (pool, "items-changed", G_CALLBACK (connect_state_when_it_leaves), &watch);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_true (watch.connected);
  g_assert_cmpstr (watch.states->str, ==, expected);
  g_signal_handlers_disconnect_by_data (pool, &watch);
  g_string_free (watch.states, TRUE);
}

typedef struct
{
  TwPool *pool;
  TwGate  started;
  TwGate  gate;
} ForeignOwner;

static gpointer
run_on_own_context (gpointer user_data)
{
  ForeignOwner *data = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  g_main_context_push_thread_default (context);
  worker = new_worker_on (data->pool, tw_test_work_wait_for_gate, &data->gate);
  rec = tw_recorder_new (worker);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  tw_gate_open (&data->started);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_list_model_changes_on_the_pool_context (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  ForeignOwner data = { pool, };
  ModelWatch watch = { g_thread_self (), 0, 0, 0 };
  GThread *thread;

  tw_gate_init (&data.started);
  tw_gate_init (&data.gate);
  g_signal_connect (pool, "items-changed", G_CALLBACK (on_items_changed), &watch);
  g_signal_connect (pool, "notify", G_CALLBACK (on_pool_notify), &watch);

  /* A worker owned by another thread's context: the model still changes
   * only on the pool's (this thread's) context. */
  thread = g_thread_new ("owner", run_on_own_context, &data);
  tw_gate_wait (&data.started);
  TW_TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (pool)) == 1);
  tw_gate_open (&data.gate);
  g_thread_join (thread);
  TW_TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (pool)) == 0);

  g_assert_cmpuint (watch.n_changes, ==, 2);
  tw_gate_clear (&data.started);
  tw_gate_clear (&data.gate);
}

/* ------------------------------------------------------------------------ */
/* Shutdown                                                                 */

static void
test_quit_all_and_await (void)
{
  enum { N_WORKERS = 6 };
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GError) error = NULL;
  TwWorker *workers[N_WORKERS];
  TwRecorder *recs[N_WORKERS];

  tw_pool_set_max_threads (pool, 3);   /* three run, three wait */
  for (guint i = 0; i < N_WORKERS; i++)
    {
      workers[i] = new_worker_on (pool, tw_test_work_loop_until_quit, NULL);
      recs[i] = tw_recorder_new (workers[i]);
      tw_worker_start (workers[i]);
    }
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == 3);
  g_assert_cmpuint (tw_pool_get_n_waiting (pool), ==, 3);

  tw_pool_quit_all (pool);
  g_assert_true (tw_pool_await (pool, TW_TEST_DEADLINE_MS, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);
  for (guint i = 0; i < N_WORKERS; i++)
    {
      tw_assert_one_run (recs[i]->log->str, 'A');
      tw_recorder_free (recs[i]);
      g_assert_finalize_object (workers[i]);
    }
}

static void
test_await_without_workers_returns_at_once (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (tw_pool_await (pool, -1, &error));
  g_assert_no_error (error);
}

static void
enter_then_wait_for_gate (TwWorker *worker,
                          gpointer  user_data)
{
  Parked *p = user_data;

  g_atomic_int_set (&p->ready, 1);
  tw_gate_wait (&p->gate);
}

static void
test_await_names_a_stuck_worker (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) stuck = NULL;
  g_autoptr(TwWorker) polite = NULL;
  Parked parked = { 0 };

  tw_gate_init (&parked.gate);
  /* Blocks without a checkpoint: quit cannot stop it. */
  stuck = new_worker_on (pool, enter_then_wait_for_gate, &parked);
  tw_worker_set_name (stuck, "stuck-decoder");
  polite = new_worker_on (pool, tw_test_work_loop_until_quit, NULL);
  tw_worker_set_name (polite, "polite-loader");
  tw_worker_start (stuck);
  tw_worker_start (polite);
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == 2);
  /* `started` comes before the run's first checkpoint: a quit right after
   * it may end the run before the work begins. Wait until it is stuck. */
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&parked.ready));

  tw_pool_quit_all (pool);
  g_assert_false (tw_pool_await (pool, 50, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "stuck-decoder"));
  g_assert_null (strstr (error->message, "polite-loader"));
  g_assert_false (tw_worker_get_is_running (polite));
  g_assert_true (tw_worker_get_is_running (stuck));

  tw_gate_open (&parked.gate);
  g_clear_error (&error);
  g_assert_true (tw_pool_await (pool, TW_TEST_DEADLINE_MS, &error));
  g_assert_cmpint (tw_worker_get_state (stuck), ==, TW_WORKER_STATE_ABORTED);
  tw_gate_clear (&parked.gate);
}

typedef struct
{
  TwPool    *pool;
  TwWorker  *workers[3];
  TwRecorder *recs[3];
} AppData;

static void
quit_when_all_run (TwPool       *pool,
                   GParamSpec   *pspec,
                   GApplication *app)
{
  if (tw_pool_get_n_running (pool) == 3)
    g_application_quit (app);
}

static void
on_activate (GApplication *app,
             AppData      *data)
{
  g_application_hold (app);
  g_signal_connect (data->pool, "notify::n-running", G_CALLBACK (quit_when_all_run), app);
  for (guint i = 0; i < 3; i++)
    {
      data->workers[i] = new_worker_on (data->pool, tw_test_work_loop_until_quit, NULL);
      data->recs[i] = tw_recorder_new (data->workers[i]);
      tw_worker_start (data->workers[i]);
    }
}

static void
test_bind_application_shuts_workers_down (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GApplication) app = g_application_new ("org.threadworker.TestPool",
                                                   G_APPLICATION_NON_UNIQUE);
  AppData data = { pool, };

  tw_pool_set_max_threads (pool, 3);
  tw_pool_bind_application (pool, app, TW_TEST_DEADLINE_MS);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), &data);

  g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);

  /* Quit while they ran: they were stopped and the threads are gone. */
  g_assert_cmpuint (tw_pool_get_n_threads (pool), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_nonnull (data.workers[i]);
      tw_assert_one_run (data.recs[i]->log->str, 'A');
      tw_recorder_free (data.recs[i]);
      g_assert_finalize_object (data.workers[i]);
    }
  g_signal_handlers_disconnect_by_func (pool, quit_when_all_run, app);
}

static gpointer
get_default_pool (gpointer user_data)
{
  return tw_pool_get_default ();
}

static void
test_default_pool_first_used_from_a_thread (void)
{
  if (g_test_subprocess ())
    {
      GThread *thread;
      TwPool *pool;

      /* The main loop owns the default context, as in any GTK app, when a
       * thread is the first to use the default pool. */
      g_assert_true (g_main_context_acquire (NULL));
      thread = g_thread_new ("first-user", get_default_pool, NULL);
      pool = g_thread_join (thread);
      g_main_context_release (NULL);

      g_assert_true (TW_IS_POOL (pool));
      g_assert_true (pool == tw_pool_get_default ());
      g_assert_true (tw_pool_get_context (pool) == g_main_context_default ());
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Pool/max-threads-limits-concurrent-runs",
                   test_max_threads_limits_concurrent_runs);
  g_test_add_func ("/Tw/Pool/waiting-runs-start-in-order", test_waiting_runs_start_in_order);
  g_test_add_func ("/Tw/Pool/raising-max-threads-starts-waiting-runs",
                   test_raising_max_threads_starts_waiting_runs);
  g_test_add_func ("/Tw/Pool/default-max-threads-is-processors-at-least-two",
                   test_default_max_threads_is_processors_at_least_two);
  g_test_add_func ("/Tw/Pool/sequential-jobs-reuse-one-thread", test_sequential_jobs_reuse_one_thread);
  g_test_add_func ("/Tw/Pool/most-recently-idle-thread-is-reused-first",
                   test_most_recently_idle_thread_is_reused_first);
  g_test_add_func ("/Tw/Pool/idle-threads-exit-after-idle-timeout",
                   test_idle_threads_exit_after_idle_timeout);
  g_test_add_func ("/Tw/Pool/release-threads-ends-idle-threads", test_release_threads_ends_idle_threads);
  g_test_add_func ("/Tw/Pool/paused-worker-releases-its-slot", test_paused_worker_releases_its_slot);
  g_test_add_func ("/Tw/Pool/resume-over-the-limit-delays-new-runs",
                   test_resume_over_the_limit_delays_new_runs);
  g_test_add_func ("/Tw/Pool/resume-is-announced-once-the-slot-is-taken-back",
                   test_resume_is_announced_once_the_slot_is_taken_back);
  g_test_add_func ("/Tw/Pool/pause-gives-the-slot-once-the-run-is-paused",
                   test_pause_gives_the_slot_once_the_run_is_paused);
  g_test_add_func ("/Tw/Pool/list-model-tracks-live-workers", test_list_model_tracks_live_workers);
  g_test_add_func ("/Tw/Pool/notify-connected-from-items-changed-hears-the-state",
                   test_notify_connected_from_items_changed_hears_the_state);
  g_test_add_func ("/Tw/Pool/list-asked-for-late-keeps-the-start-order",
                   test_list_asked_for_late_keeps_the_start_order);
  g_test_add_func ("/Tw/Pool/list-model-changes-on-the-pool-context",
                   test_list_model_changes_on_the_pool_context);
  g_test_add_func ("/Tw/Pool/quit-all-and-await", test_quit_all_and_await);
  g_test_add_func ("/Tw/Pool/await-without-workers-returns-at-once",
                   test_await_without_workers_returns_at_once);
  g_test_add_func ("/Tw/Pool/await-names-a-stuck-worker", test_await_names_a_stuck_worker);
  g_test_add_func ("/Tw/Pool/bind-application-shuts-workers-down",
                   test_bind_application_shuts_workers_down);
  g_test_add_func ("/Tw/Pool/default-pool-first-used-from-a-thread",
                   test_default_pool_first_used_from_a_thread);

  return g_test_run ();
}
