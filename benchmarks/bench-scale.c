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

static guint   n_done;
static guint64 checksum;
static gint64  peak_threads;

static gboolean
sample_threads_cb (gpointer user_data)
{
  peak_threads = MAX (peak_threads, bench_proc_status ("Threads"));
  return G_SOURCE_CONTINUE;
}

/* threadworker ----------------------------------------------------------- */

static void
tw_job (TwWorker *worker,
        gpointer  user_data)
{
  tw_worker_return_int (worker, (gint64) (bench_spin (SPIN) & 0xff));
}

static void
tw_returned_cb (TwWorker     *worker,
                const GValue *value,
                gpointer      user_data)
{
  checksum += g_value_get_int64 (value);
  n_done++;
}

static void
run_threadworker (guint n)
{
  g_autoptr(TwPool) pool = tw_pool_new ();

  tw_pool_set_max_threads (pool, MAX_THREADS);
  for (guint i = 0; i < n; i++)
    {
      TwWorker *worker = tw_function_worker_new (tw_job, NULL, NULL);

      tw_worker_set_pool (worker, pool);
      g_signal_connect (worker, "returned", G_CALLBACK (tw_returned_cb), NULL);
      tw_worker_start (worker);
      g_object_unref (worker);
    }
  bench_wait_count (&n_done, n, 600);
}

/* GTask ------------------------------------------------------------------ */

static void
task_job (GTask        *task,
          gpointer      source_object,
          gpointer      task_data,
          GCancellable *cancellable)
{
  g_task_return_int (task, (gssize) (bench_spin (SPIN) & 0xff));
}

static void
task_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  checksum += g_task_propagate_int (G_TASK (result), NULL);
  n_done++;
}

static void
run_gtask (guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (NULL, NULL, task_done_cb, NULL);

      g_task_run_in_thread (task, task_job);
      g_object_unref (task);
    }
  bench_wait_count (&n_done, n, 600);
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
    run_threadworker (n);
  else
    run_gtask (n);
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
