/* bench-latency.c: measures the latency from a yield on a worker thread to
 * its handler on an idle main loop (p50, p99), against
 * g_main_context_invoke() from a thread. The producer sleeps between values
 * so the loop is idle (blocked in poll) each time one arrives.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define WARMUP 20

static guint   n_samples;
static guint   n_handled;
static GArray *latencies;   /* double, microseconds */

/* Between values: 0.5 to 1.5 ms, so wakeups do not fall in step with
 * anything periodic. */
static void
producer_pause (GRand *rand)
{
  g_usleep (g_rand_int_range (rand, 500, 1500));
}

static void
handle_timestamp (gint64 sent_at)
{
  gint64 now = g_get_monotonic_time ();

  if (n_handled++ >= WARMUP && latencies->len < n_samples)
    {
      double us = now - sent_at;

      g_array_append_val (latencies, us);
    }
}

/* threadworker ----------------------------------------------------------- */

static gboolean
tw_step (TwWorker     *worker,
         const GValue *sent,
         gpointer      user_data)
{
  GRand *rand = user_data;

  producer_pause (rand);
  return tw_worker_yield_int (worker, g_get_monotonic_time ());
}

static void
tw_yielded_cb (TwWorker     *worker,
               const GValue *value,
               gpointer      user_data)
{
  handle_timestamp (g_value_get_int64 (value));
}

static void
run_threadworker (guint n)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (tw_step, g_rand_new_with_seed (1),
                                                       (GDestroyNotify) g_rand_free);

  g_signal_connect (worker, "yielded", G_CALLBACK (tw_yielded_cb), NULL);
  tw_worker_start (worker);
  bench_wait_count (&n_handled, n, 600);
  tw_worker_quit (worker);
  while (tw_worker_get_is_running (worker))
    g_main_context_iteration (NULL, TRUE);
}

/* g_main_context_invoke() from a thread ---------------------------------- */

static GMainContext *owner_context;
static gint stop_producer;

static gboolean
invoke_cb (gpointer user_data)
{
  handle_timestamp (*(gint64 *) user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
invoke_producer (gpointer user_data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  while (!g_atomic_int_get (&stop_producer))
    {
      gint64 *sent_at = g_new (gint64, 1);

      producer_pause (rand);
      *sent_at = g_get_monotonic_time ();
      g_main_context_invoke_full (owner_context, G_PRIORITY_DEFAULT,
                                  invoke_cb, sent_at, g_free);
    }
  return NULL;
}

static void
run_invoke (guint n)
{
  GThread *thread = g_thread_new ("producer", invoke_producer, NULL);

  bench_wait_count (&n_handled, n, 600);
  g_atomic_int_set (&stop_producer, TRUE);
  g_thread_join (thread);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "threadworker", "invoke", NULL };
  BenchArgs args;
  BenchReport *report;

  bench_args_parse (&args, &argc, &argv,
                    "Latency from a thread to a handler on an idle main loop.", peers);
  n_samples = bench_args_n (&args, 3000, 200);
  latencies = g_array_sized_new (FALSE, FALSE, sizeof (double), n_samples);
  owner_context = g_main_context_ref_thread_default ();

  if (args.peer == g_intern_static_string ("threadworker"))
    run_threadworker (n_samples + WARMUP);
  else
    run_invoke (n_samples + WARMUP);

  report = bench_report_new ("latency", &args);
  bench_report_int (report, "n", latencies->len);
  bench_report_double (report, "p50_us", bench_percentile (latencies, 50));
  bench_report_double (report, "p90_us", bench_percentile (latencies, 90));
  bench_report_double (report, "p99_us", bench_percentile (latencies, 99));
  bench_report_double (report, "max_us", bench_percentile (latencies, 100));
  bench_report_print (report);

  g_array_unref (latencies);
  g_main_context_unref (owner_context);
  return 0;
}
