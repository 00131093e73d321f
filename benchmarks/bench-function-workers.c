/* bench-function-workers.c: measures how many tiny jobs per second go from
 * "start" to "result handled on the main loop": N function workers, against
 * g_task_run_in_thread() with a callback, and a new GThread per job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define SPIN 200   /* the tiny work: a few hundred nanoseconds */

static guint   n_done;     /* the GThread peer's */
static guint64 checksum;

/* A new GThread per job ------------------------------------------------- */

static GMainContext *owner_context;

static gboolean
thread_done_cb (gpointer user_data)
{
  checksum += GPOINTER_TO_SIZE (user_data);
  n_done++;
  return G_SOURCE_REMOVE;
}

static gpointer
thread_job (gpointer user_data)
{
  guint64 result = bench_spin (SPIN) & 0xff;

  g_main_context_invoke (owner_context, thread_done_cb, GSIZE_TO_POINTER (result));
  return NULL;
}

static void
run_gthread (guint n)
{
  owner_context = g_main_context_ref_thread_default ();
  for (guint i = 0; i < n; i++)
    {
      GThread *thread;

      /* Detached: the job reports through the main loop, nobody joins. When
       * the system refuses more threads, let running jobs finish first. */
      while ((thread = g_thread_try_new ("job", thread_job, NULL, NULL)) == NULL)
        g_main_context_iteration (owner_context, FALSE);
      g_thread_unref (thread);
    }
  bench_wait_count (&n_done, n, 600);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "threadworker", "gtask", "gthread", NULL };
  BenchArgs args;
  BenchReport *report;
  gint64 start, end;
  guint n;

  bench_args_parse (&args, &argc, &argv,
                    "N tiny jobs, start → result handled on the main loop.", peers);
  n = bench_args_n (&args, 100000, 2000);

  start = g_get_monotonic_time ();
  if (args.peer == g_intern_static_string ("threadworker"))
    checksum = bench_run_tw_jobs (NULL, n, SPIN);
  else if (args.peer == g_intern_static_string ("gtask"))
    checksum = bench_run_gtask_jobs (n, SPIN);
  else
    run_gthread (n);
  end = g_get_monotonic_time ();

  report = bench_report_new ("function-workers", &args);
  bench_report_int (report, "n", n);
  bench_report_double (report, "seconds", (end - start) / 1e6);
  bench_report_double (report, "jobs_per_s", n / ((end - start) / 1e6));
  bench_report_int (report, "checksum", (gint64) checksum);
  bench_report_print (report);

  return 0;
}
