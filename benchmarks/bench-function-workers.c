/* bench-function-workers.c: measures how many tiny jobs per second go from
 * "start" to "result handled on the main loop": N function workers, against
 * g_task_run_in_thread() with a callback, and a new GThread per job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define SPIN 200   /* the tiny work: a few hundred nanoseconds */

static guint   n_done;
static guint64 checksum;

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
  for (guint i = 0; i < n; i++)
    {
      TwWorker *worker = tw_function_worker_new (tw_job, NULL, NULL);

      g_signal_connect (worker, "returned", G_CALLBACK (tw_returned_cb), NULL);
      tw_worker_start (worker);
      g_object_unref (worker);   /* a running worker keeps itself alive */
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
    run_threadworker (n);
  else if (args.peer == g_intern_static_string ("gtask"))
    run_gtask (n);
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
