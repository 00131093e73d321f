/* bench-function-workers.c: measures how many tiny jobs per second go from
 * "start" to "result handled on the main loop": N function workers, against
 * g_task_run_in_thread() with a callback, and a new GThread per job. A
 * fourth peer, "gobject", is a bound rather than a rival: per job a minimal
 * GObject is made, a handler connected, the job's work done and its result
 * emitted on the main thread, and the object freed; no thread, no queue.
 * It is what any design that gives each job a GObject with a connected
 * handler pays on the main thread at least.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define SPIN 200   /* the tiny work: a few hundred nanoseconds */

static guint   n_done;     /* the GThread peer's */
static guint64 checksum;

/* The GObject bound: the lifecycle of a GObject with a handler per job --- */

#define BENCH_TYPE_JOB (bench_job_get_type ())
G_DECLARE_FINAL_TYPE (BenchJob, bench_job, BENCH, JOB, GObject)

struct _BenchJob
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchJob, bench_job, G_TYPE_OBJECT)

static guint job_returned_signal;

static void
bench_job_class_init (BenchJobClass *klass)
{
  job_returned_signal = g_signal_new ("returned", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
bench_job_init (BenchJob *self)
{
}

static void
job_returned_cb (BenchJob *job,
                 gint64    result,
                 gpointer  user_data)
{
  checksum += result;
  n_done++;
}

static void
run_gobject_bound (guint n)
{
  for (guint i = 0; i < n; i++)
    {
      BenchJob *job = g_object_new (BENCH_TYPE_JOB, NULL);

      g_signal_connect (job, "returned", G_CALLBACK (job_returned_cb), NULL);
      g_signal_emit (job, job_returned_signal, 0, (gint64) (bench_spin (SPIN) & 0xff));
      g_object_unref (job);
    }
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
  static const char * const peers[] = { "threadworker", "gtask", "gthread", "gobject", NULL };
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
  else if (args.peer == g_intern_static_string ("gobject"))
    run_gobject_bound (n);
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
