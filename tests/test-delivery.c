/* test-delivery.c: how events reach the owner context: batching, the QUEUE
 * and LATEST yield policies with backpressure, keeping the loop responsive
 * during a flood, and coalesced progress.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* A producer that counts what it produced, under a lock the test can wait
 * on without iterating the owner context. */

typedef struct
{
  GMutex  lock;
  GCond   cond;
  gint64  produced;     /* values whose yield returned */
  gint64  delivered;    /* values the owner received (owner thread only) */
  gint64  n;            /* how many to produce; 0 for ever */
  gint64  max_in_flight;
  gboolean done;        /* the work has returned */
} Producer;

static void
producer_init (Producer *p,
               gint64    n)
{
  memset (p, 0, sizeof *p);
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->n = n;
}

static void
producer_clear (Producer *p)
{
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
}

static gint64
producer_get_produced (Producer *p)
{
  gint64 produced;

  g_mutex_lock (&p->lock);
  produced = p->produced;
  g_mutex_unlock (&p->lock);
  return produced;
}

/* Test thread: waits, without iterating, until @pred holds or the work ends. */
static void
producer_wait (Producer  *p,
               gboolean (*pred) (Producer *p))
{
  gint64 end = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * (gint64) 1000;

  g_mutex_lock (&p->lock);
  while (!pred (p) && !p->done)
    if (!g_cond_wait_until (&p->cond, &p->lock, end))
      g_error ("timed out waiting for the producer");
  g_mutex_unlock (&p->lock);
}

static void
produce (TwWorker *worker,
         gpointer  user_data)
{
  Producer *p = user_data;

  for (gint64 i = 0; p->n == 0 || i < p->n; i++)
    {
      if (!tw_worker_yield_int (worker, i))
        break;
      g_mutex_lock (&p->lock);
      p->produced = i + 1;
      g_cond_broadcast (&p->cond);
      g_mutex_unlock (&p->lock);
    }

  g_mutex_lock (&p->lock);
  p->done = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

/* ------------------------------------------------------------------------ */
/* QUEUE                                                                    */

#define MAX_PENDING 8

/* From a `yielded` handler, whose value was taken off the queue: the producer
 * blocked at MAX_PENDING and resumes only once half of them are delivered. */
static gboolean
queue_is_full (Producer *p)
{
  return p->produced - p->delivered >= MAX_PENDING - 1;
}

static void
consume_slowly (TwWorker     *worker,
                const GValue *value,
                Producer     *p)
{
  gint64 in_flight;

  g_assert_cmpint (g_value_get_int64 (value), ==, p->delivered);
  p->delivered++;

  /* The first time, hold on until the producer has filled the queue: it
   * must stop there, not run ahead. */
  if (p->delivered == 1)
    producer_wait (p, queue_is_full);

  /* Values counted as produced but not yet seen here are in flight. */
  in_flight = producer_get_produced (p) - p->delivered;
  g_assert_cmpint (in_flight, <=, MAX_PENDING);
  p->max_in_flight = MAX (p->max_in_flight, in_flight);
}

static void
test_queue_slow_consumer_bounds_in_flight (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  producer_init (&p, 2000);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_max_pending_yields (worker, MAX_PENDING);
  g_signal_connect (worker, "yielded", G_CALLBACK (consume_slowly), &p);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'R');
  g_assert_cmpint (p.delivered, ==, 2000);
  /* The producer really ran into the limit. */
  g_assert_cmpint (p.max_in_flight, >=, MAX_PENDING - 1);
  producer_clear (&p);
}

static void
test_queue_max_pending_of_one (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  producer_init (&p, 500);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_max_pending_yields (worker, 1);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->values->len, ==, 500);
  for (guint i = 0; i < 500; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  producer_clear (&p);
}

static gboolean
is_done (Producer *p)
{
  return p->done;
}

/* Nothing delivered yet: MAX_PENDING values queued, the next yield blocks. */
static gboolean
queue_holds_max_pending (Producer *p)
{
  return p->produced >= MAX_PENDING;
}

static void
test_queue_quit_unblocks_a_full_producer (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  producer_init (&p, 0);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_max_pending_yields (worker, MAX_PENDING);

  tw_worker_start (worker);
  /* Without iterating: the producer fills the queue and blocks. (Not
   * queue_is_full(), which counts one value taken off by a handler: quit
   * could then come before the last yield that fits, as it did in the slow
   * ThreadSanitizer build.) */
  producer_wait (&p, queue_holds_max_pending);
  tw_worker_quit (worker);
  producer_wait (&p, is_done);
  tw_recorder_wait_finished (rec, 1);

  /* What was queued before the quit is delivered, then the run ends. */
  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpuint (rec->values->len, >=, MAX_PENDING);
  for (guint i = 0; i < rec->values->len; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  producer_clear (&p);
}

/* ------------------------------------------------------------------------ */
/* LATEST                                                                   */

static void
test_latest_never_blocks_the_producer (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  producer_init (&p, 100000);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  tw_worker_set_max_pending_yields (worker, 1);

  tw_worker_start (worker);
  /* Nobody consumes: the work must still get to its end. */
  producer_wait (&p, is_done);
  g_assert_cmpint (producer_get_produced (&p), ==, 100000);

  tw_recorder_wait_finished (rec, 1);
  /* Only the newest value survived: the last one. */
  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  g_assert_cmpint (tw_recorder_int (rec, 0), ==, 99999);
  producer_clear (&p);
}

static void
check_increasing (TwWorker     *worker,
                  const GValue *value,
                  gint64       *last)
{
  g_assert_cmpint (g_value_get_int64 (value), >, *last);
  *last = g_value_get_int64 (value);
}

static void
test_latest_delivers_the_last_value (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  gint64 last = -1;

  producer_init (&p, 200000);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  g_signal_connect (worker, "yielded", G_CALLBACK (check_increasing), &last);

  /* Consumed while produced: some values are skipped, never reordered, and
   * the last one always arrives before `returned`. */
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'R');
  g_assert_cmpuint (rec->values->len, >=, 1);
  g_assert_cmpuint (rec->values->len, <=, 200000);
  g_assert_cmpint (last, ==, 199999);
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 199999);
  producer_clear (&p);
}

/* ------------------------------------------------------------------------ */
/* Batching and responsiveness                                             */

static gboolean
all_produced (Producer *p)
{
  return p->produced == p->n;
}

static void
test_one_wakeup_carries_many_events (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  guint iterations = 0;

  producer_init (&p, 10000);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_set_max_pending_yields (worker, 10000);

  tw_worker_start (worker);
  producer_wait (&p, all_produced);

  while (rec->n_finished == 0)
    {
      g_main_context_iteration (NULL, TRUE);
      iterations++;
    }

  g_assert_cmpuint (rec->values->len, ==, 10000);
  /* Thousands of events, a handful of dispatches (each within the budget). */
  g_assert_cmpuint (iterations, <, 1000);
  producer_clear (&p);
}

typedef struct
{
  TwWorker *worker;
  Producer *producer;
  gint64    delivered_at_last_fire;
  guint     fires_during_flood;
} RedrawCheck;

static gboolean
redraw_cb (gpointer user_data)
{
  RedrawCheck *check = user_data;

  /* Values arrived since the last frame and more are still coming. */
  if (check->producer->delivered > check->delivered_at_last_fire &&
      tw_worker_get_is_running (check->worker))
    check->fires_during_flood++;
  check->delivered_at_last_fire = check->producer->delivered;

  if (check->fires_during_flood == 10)
    tw_worker_quit (check->worker);

  return G_SOURCE_CONTINUE;
}

static void
count_delivered (TwWorker     *worker,
                 const GValue *value,
                 Producer     *p)
{
  p->delivered++;
}

static void
test_redraw_priority_runs_during_a_flood (void)
{
  Producer p;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  RedrawCheck check = { 0, };
  GSource *redraw;

  producer_init (&p, 0);
  worker = tw_function_worker_new (produce, &p, NULL);
  rec = tw_recorder_new (worker);
  g_signal_connect (worker, "yielded", G_CALLBACK (count_delivered), &p);
  check.worker = worker;
  check.producer = &p;

  /* GTK's frame clock paints at G_PRIORITY_HIGH_IDLE + 20. */
  redraw = g_timeout_source_new (1);
  g_source_set_priority (redraw, G_PRIORITY_HIGH_IDLE + 20);
  g_source_set_callback (redraw, redraw_cb, &check, NULL);
  g_source_attach (redraw, NULL);

  /* An endless flood: only the redraw source's quit ends it, so the test
   * fails by its deadline if redraw is starved. */
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (check.fires_during_flood, >=, 10);
  tw_assert_one_run (rec->log->str, 'A');
  g_source_destroy (redraw);
  g_source_unref (redraw);
  producer_clear (&p);
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */

#define N_UPDATES 1000000

static void
report_progress_a_million_times (TwWorker *worker,
                                 gpointer  user_data)
{
  for (guint i = 1; i <= N_UPDATES; i++)
    tw_worker_set_progress (worker, (double) i / N_UPDATES);
}

typedef struct
{
  GThread *owner;
  guint    notifies;
  double   last;
} ProgressSeen;

static void
on_progress (TwWorker     *worker,
             GParamSpec   *pspec,
             ProgressSeen *seen)
{
  double progress = tw_worker_get_progress (worker);

  g_assert_true (g_thread_self () == seen->owner);
  g_assert_cmpfloat (progress, >=, seen->last);
  seen->last = progress;
  seen->notifies++;
}

static void
test_progress_coalesces_a_million_updates (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (report_progress_a_million_times,
                                                       NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  ProgressSeen seen = { g_thread_self (), 0, 0.0 };

  g_signal_connect (worker, "notify::progress", G_CALLBACK (on_progress), &seen);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpuint (seen.notifies, >=, 1);
  g_assert_cmpuint (seen.notifies, <, 1000);
  /* The last value always arrives, before the end of the run. */
  g_assert_cmpfloat (seen.last, ==, 1.0);
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 1.0);
}

static void
report_progress_text (TwWorker *worker,
                      gpointer  user_data)
{
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *text = g_strdup_printf ("step %u", i);

      tw_worker_set_progress_text (worker, text);
    }
  tw_worker_set_progress (worker, -1.0);
}

static void
test_progress_text_and_unknown_progress (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (report_progress_text, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  guint n_text = 0;

  g_signal_connect (worker, "notify::progress-text", G_CALLBACK (tw_test_count_notify), &n_text);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (tw_worker_get_progress_text (worker), ==, "step 9999");
  g_assert_cmpuint (n_text, <, 1000);
  g_assert_cmpfloat (tw_worker_get_progress (worker), <, 0.0);
}

static void
report_nan_progress (TwWorker *worker,
                     gpointer  user_data)
{
  volatile double total = 0.0;

  tw_worker_set_progress (worker, 0.5);
  tw_worker_set_progress (worker, 0.0 / total);   /* before the total is known */
}

static void
test_progress_nan_is_unknown (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (report_nan_progress, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, -1.0);
}

/* A stand-in for GtkProgressBar: an object with a `fraction` property. */
#define TEST_TYPE_BAR (test_bar_get_type ())
G_DECLARE_FINAL_TYPE (TestBar, test_bar, TEST, BAR, GObject)

struct _TestBar
{
  GObject parent_instance;
  double  fraction;
  guint   n_sets;
};

G_DEFINE_FINAL_TYPE (TestBar, test_bar, G_TYPE_OBJECT)

static void
test_bar_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TestBar *self = TEST_BAR (object);

  self->fraction = g_value_get_double (value);
  self->n_sets++;
}

static void
test_bar_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  g_value_set_double (value, TEST_BAR (object)->fraction);
}

static void
test_bar_class_init (TestBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = test_bar_set_property;
  object_class->get_property = test_bar_get_property;
  g_object_class_install_property (object_class, 1,
                                   g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
test_bar_init (TestBar *self)
{
}

static void
test_progress_binds_to_a_progress_bar (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (report_progress_a_million_times,
                                                       NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(TestBar) bar = g_object_new (TEST_TYPE_BAR, NULL);

  g_object_bind_property (worker, "progress", bar, "fraction", G_BINDING_SYNC_CREATE);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpfloat (bar->fraction, ==, 1.0);
  g_assert_cmpuint (bar->n_sets, <, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Delivery/queue-slow-consumer-bounds-in-flight",
                   test_queue_slow_consumer_bounds_in_flight);
  g_test_add_func ("/Tw/Delivery/queue-max-pending-of-one", test_queue_max_pending_of_one);
  g_test_add_func ("/Tw/Delivery/queue-quit-unblocks-a-full-producer",
                   test_queue_quit_unblocks_a_full_producer);
  g_test_add_func ("/Tw/Delivery/latest-never-blocks-the-producer",
                   test_latest_never_blocks_the_producer);
  g_test_add_func ("/Tw/Delivery/latest-delivers-the-last-value", test_latest_delivers_the_last_value);
  g_test_add_func ("/Tw/Delivery/one-wakeup-carries-many-events", test_one_wakeup_carries_many_events);
  g_test_add_func ("/Tw/Delivery/redraw-priority-runs-during-a-flood",
                   test_redraw_priority_runs_during_a_flood);
  g_test_add_func ("/Tw/Delivery/progress-coalesces-a-million-updates",
                   test_progress_coalesces_a_million_updates);
  g_test_add_func ("/Tw/Delivery/progress-text-and-unknown-progress",
                   test_progress_text_and_unknown_progress);
  g_test_add_func ("/Tw/Delivery/progress-nan-is-unknown", test_progress_nan_is_unknown);
  g_test_add_func ("/Tw/Delivery/progress-binds-to-a-progress-bar",
                   test_progress_binds_to_a_progress_bar);

  return g_test_run ();
}
