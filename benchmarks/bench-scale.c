/* bench-scale.c: measures 10,000 jobs started at once through a pool limited
 * to 8 threads, against g_task_run_in_thread() with the same work: the peak
 * number of threads of the process (/proc/self/status) and the time until
 * every result was handled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define SPIN        20000   /* tens of microseconds of work per job */
#define MAX_THREADS 8

static guint64 checksum;
static gint64  peak_threads;

static gboolean
sample_threads_cb (gpointer user_data)
{
  peak_threads = MAX (peak_threads, bench_proc_status ("Threads"));
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "threadworker", "gtask", NULL };
  BenchArgs args;
  BenchReport *report;
  GSource *sampler;
  gint64 start, end;
  guint n;

  bench_args_parse (&args, &argc, &argv,
                    "N jobs at once: peak threads and time to the last result.", peers);
  n = bench_args_n (&args, 10000, 500);

  /* Sampled on the main thread, so the sampler adds no thread. */
  sampler = g_timeout_source_new (1);
  g_source_set_priority (sampler, G_PRIORITY_HIGH);
  g_source_set_callback (sampler, sample_threads_cb, NULL, NULL);
  g_source_attach (sampler, NULL);
  sample_threads_cb (NULL);

  start = g_get_monotonic_time ();
  if (args.peer == g_intern_static_string ("threadworker"))
    {
      g_autoptr(TwPool) pool = tw_pool_new ();

      tw_pool_set_max_threads (pool, MAX_THREADS);
      checksum = bench_run_tw_jobs (pool, n, SPIN);
    }
  else
    checksum = bench_run_gtask_jobs (n, SPIN);
  end = g_get_monotonic_time ();
  sample_threads_cb (NULL);

  report = bench_report_new ("scale", &args);
  bench_report_int (report, "n", n);
  bench_report_double (report, "seconds", (end - start) / 1e6);
  bench_report_int (report, "peak_threads", peak_threads);
  bench_report_int (report, "checksum", (gint64) checksum);
  bench_report_print (report);

  g_source_destroy (sampler);
  g_source_unref (sampler);
  return 0;
}
