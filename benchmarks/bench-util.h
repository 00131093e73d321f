/* bench-util.h: what the benchmark programs share: the command line
 * (--peer, --quick, -n), clocks, percentiles, /proc readings (RSS, threads)
 * and the one JSON object each program prints for the runner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <threadworker.h>

G_BEGIN_DECLS

typedef struct
{
  const char *peer;    /* which implementation (or case) to measure */
  gboolean    quick;   /* small N: proves the program runs, measures little */
  gint64      n;       /* the size asked for with -n, or 0 for the default */
} BenchArgs;

/* Parses argv; exits with a usage message when --peer is missing or not one
 * of the NULL-terminated @peers. */
void         bench_args_parse     (BenchArgs          *args,
                                   int                *argc,
                                   char             ***argv,
                                   const char         *summary,
                                   const char * const *peers);
/* @full, or @quick in quick mode, unless -n was given. */
gint64       bench_args_n         (const BenchArgs    *args,
                                   gint64              full,
                                   gint64              quick);

/* Iterates the thread-default context until *@flag is set; aborts after
 * @timeout_s seconds, so a broken peer cannot hang the run. */
void         bench_wait_flag      (const gboolean     *flag,
                                   double              timeout_s);
void         bench_wait_count     (const guint        *count,
                                   guint               target,
                                   double              timeout_s);

/* Sorts @samples in place; returns the @p-th percentile (0 to 100). */
double       bench_percentile     (GArray             *samples,
                                   double              p);

/* Reads a field of /proc/self/status ("VmHWM", "VmRSS", "Threads");
 * memory in bytes, a count as is. */
gint64       bench_proc_status    (const char         *field);
/* Resets VmHWM to the current RSS (Linux ≥ 4.0). */
void         bench_reset_peak_rss (void);

/* Atomically raises *@peak to @value if it is larger. */
void         bench_atomic_max     (gint               *peak,
                                   gint                value);

/* Burns CPU in a way the compiler cannot remove: the tiny work of a job. */
guint64      bench_spin           (guint               iterations);

/* N jobs that each spin @spin iterations and return the result, started all
 * at once; both return when every result was handled on the main loop and
 * give the sum of the results. Through threadworker function workers on
 * @pool (NULL: the default pool) with a `returned` handler, or through
 * g_task_run_in_thread() with a callback. */
guint64      bench_run_tw_jobs    (TwPool             *pool,
                                   guint               n,
                                   guint               spin);
guint64      bench_run_gtask_jobs (guint               n,
                                   guint               spin);

/* The result: one flat JSON object on stdout. */
typedef struct _BenchReport BenchReport;

BenchReport *bench_report_new     (const char         *bench,
                                   const BenchArgs    *args);
void         bench_report_int     (BenchReport        *self,
                                   const char         *key,
                                   gint64              value);
void         bench_report_double  (BenchReport        *self,
                                   const char         *key,
                                   double              value);
void         bench_report_str     (BenchReport        *self,
                                   const char         *key,
                                   const char         *value);
/* Prints the object and frees @self. */
void         bench_report_print   (BenchReport        *self);

G_END_DECLS
