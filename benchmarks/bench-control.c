/* bench-control.c: measures how fast control reaches a generator that steps
 * every 1 ms (each step works 1 ms, without checkpoints, then yields):
 * quit() → `aborted` and pause() → `paused` on the main loop, p50 and p99.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define STEP_USEC 1000

static gint64   requested_at;
static gint64   reached_at;
static gboolean finished;

static gboolean
step (TwWorker     *worker,
      const GValue *sent,
      gpointer      user_data)
{
  gint64 end = g_get_monotonic_time () + STEP_USEC;

  /* Work that does not look at the worker for a whole step. */
  while (g_get_monotonic_time () < end)
    bench_spin (64);
  return tw_worker_yield_int (worker, end);
}

static void
reached_cb (TwWorker *worker,
            gpointer  user_data)
{
  if (reached_at == 0)
    reached_at = g_get_monotonic_time ();
}

static void
started_cb (TwWorker *worker,
            gpointer  user_data)
{
  gboolean *started = user_data;

  *started = TRUE;
}

static void
finished_cb (TwWorker *worker,
             gpointer  user_data)
{
  finished = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
sleep_on_loop (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, timeout_cb, &over);
  bench_wait_flag (&over, 60);
}

/* One trial: start, let it step for a few ms, send the control, measure. */
static double
trial (gboolean  pause,
       GRand    *rand)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (step, NULL, NULL);
  gboolean started = FALSE;

  g_signal_connect (worker, pause ? "paused" : "aborted", G_CALLBACK (reached_cb), NULL);
  g_signal_connect (worker, "started", G_CALLBACK (started_cb), &started);
  g_signal_connect (worker, "finished", G_CALLBACK (finished_cb), NULL);

  finished = FALSE;
  reached_at = 0;
  tw_worker_start (worker);
  bench_wait_flag (&started, 60);
  sleep_on_loop (g_rand_int_range (rand, 3, 12));
  /* The loop wakes for each yield; a random delay puts the request at a
   * random point of a step, as a click would be. */
  requested_at = g_get_monotonic_time () + g_rand_int_range (rand, 0, STEP_USEC);
  while (g_get_monotonic_time () < requested_at)
    ;

  requested_at = g_get_monotonic_time ();
  if (pause)
    tw_worker_pause (worker);
  else
    tw_worker_quit (worker);
  while (reached_at == 0)
    g_main_context_iteration (NULL, TRUE);

  tw_worker_quit (worker);
  bench_wait_flag (&finished, 60);

  return (reached_at - requested_at) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "quit", "pause", NULL };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  BenchArgs args;
  BenchReport *report;
  GArray *samples;
  gboolean pause;
  guint n;

  bench_args_parse (&args, &argc, &argv,
                    "Latency of quit() and pause() for a generator stepping every 1 ms.",
                    peers);
  n = bench_args_n (&args, 300, 20);
  pause = args.peer == g_intern_static_string ("pause");
  samples = g_array_sized_new (FALSE, FALSE, sizeof (double), n);

  for (guint i = 0; i < n; i++)
    {
      double ms = trial (pause, rand);

      g_array_append_val (samples, ms);
    }

  report = bench_report_new ("control", &args);
  bench_report_int (report, "n", n);
  bench_report_double (report, "p50_ms", bench_percentile (samples, 50));
  bench_report_double (report, "p99_ms", bench_percentile (samples, 99));
  bench_report_double (report, "max_ms", bench_percentile (samples, 100));
  bench_report_print (report);

  g_array_unref (samples);
  return 0;
}
