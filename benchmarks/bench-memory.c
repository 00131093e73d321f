/* bench-memory.c: measures memory held while a producer yields 4 KiB blocks
 * far faster than a consumer that handles 1,000 per second: peak RSS with
 * the QUEUE policy (backpressure), blocks alive at once with LATEST; and the
 * bytes each idle (never started) worker object costs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#include <malloc.h>
#include <string.h>

#define BLOCK_SIZE       4096
#define CONSUMER_USEC    1000   /* the consumer handles 1,000 blocks per second */

static gint    blocks_alive;
static gint    blocks_peak;
static guint   n_blocks;
static guint   n_produced;
static guint   n_handled;
static gboolean done;

static gpointer
block_new (guint i)
{
  guint8 *block = g_malloc (BLOCK_SIZE);

  /* Touch every page: an untouched block would not count in RSS. */
  memset (block, i & 0xff, BLOCK_SIZE);
  bench_atomic_max (&blocks_peak, g_atomic_int_add (&blocks_alive, 1) + 1);
  return block;
}

static void
block_free (gpointer block)
{
  g_atomic_int_add (&blocks_alive, -1);
  g_free (block);
}

static gboolean
produce_step (TwWorker     *worker,
              const GValue *sent,
              gpointer      user_data)
{
  if (!tw_worker_yield_pointer (worker, block_new (n_produced), block_free))
    return FALSE;
  return ++n_produced < n_blocks;
}

static void
consume_cb (TwWorker     *worker,
            const GValue *value,
            gpointer      user_data)
{
  gint64 start = g_get_monotonic_time ();
  const guint8 *block = g_value_get_pointer (value);
  guint sum = 0;

  for (guint i = 0; i < BLOCK_SIZE; i += 512)
    sum += block[i];
  (void) sum;
  n_handled++;

  /* A slow consumer: 1 ms per block, as if it drew each one. */
  while (g_get_monotonic_time () - start < CONSUMER_USEC)
    g_usleep (CONSUMER_USEC - (g_get_monotonic_time () - start));
}

static void
finished_cb (TwWorker *worker,
             gpointer  user_data)
{
  done = TRUE;
}

static gboolean
window_over_cb (gpointer user_data)
{
  tw_worker_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
run_yields (TwYieldPolicy  policy,
            gint64         window_ms,
            BenchReport   *report)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (produce_step, NULL, NULL);
  g_autoptr(GSource) window = NULL;
  gint64 rss_before, start, end;

  tw_worker_set_yield_policy (worker, policy);
  g_signal_connect (worker, "yielded", G_CALLBACK (consume_cb), NULL);
  g_signal_connect (worker, "finished", G_CALLBACK (finished_cb), NULL);

  bench_reset_peak_rss ();
  rss_before = bench_proc_status ("VmRSS");
  start = g_get_monotonic_time ();
  tw_worker_start (worker);
  /* At 1,000 per second, QUEUE would need N ms to deliver everything; it is
   * quit after a window long enough for its memory to reach steady state. */
  if (window_ms > 0)
    {
      window = g_timeout_source_new (window_ms);
      g_source_set_callback (window, window_over_cb, worker, NULL);
      g_source_attach (window, NULL);
    }
  bench_wait_flag (&done, 1200);
  end = g_get_monotonic_time ();
  if (window != NULL)
    g_source_destroy (window);

  bench_report_int (report, "n", n_blocks);
  bench_report_int (report, "produced", n_produced);
  bench_report_int (report, "handled", n_handled);
  bench_report_double (report, "seconds", (end - start) / 1e6);
  bench_report_int (report, "rss_before", rss_before);
  bench_report_int (report, "peak_rss", bench_proc_status ("VmHWM"));
  bench_report_int (report, "blocks_peak", g_atomic_int_get (&blocks_peak));
}

static void
noop_work (TwWorker *worker,
           gpointer  user_data)
{
}

static void
run_idle_workers (guint        n,
                  BenchReport *report)
{
  TwWorker **workers = g_new (TwWorker *, n);
  TwWorker *warm;
  struct mallinfo2 before, after;
  gint64 rss_before, rss_after;

  /* Class, dispatcher and pool exist before we count. */
  warm = tw_function_worker_new (noop_work, NULL, NULL);

  malloc_trim (0);
  before = mallinfo2 ();
  rss_before = bench_proc_status ("VmRSS");
  for (guint i = 0; i < n; i++)
    workers[i] = tw_function_worker_new (noop_work, NULL, NULL);
  after = mallinfo2 ();
  rss_after = bench_proc_status ("VmRSS");

  bench_report_int (report, "n", n);
  bench_report_double (report, "heap_bytes_per_worker",
                       (double) (after.uordblks - before.uordblks) / n);
  bench_report_double (report, "rss_bytes_per_worker",
                       (double) (rss_after - rss_before) / n);

  for (guint i = 0; i < n; i++)
    g_object_unref (workers[i]);
  g_object_unref (warm);
  g_free (workers);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "queue", "latest", "idle-workers", NULL };
  BenchArgs args;
  BenchReport *report;

  bench_args_parse (&args, &argc, &argv,
                    "Memory of a slow consumer's backlog, and of idle workers.", peers);
  report = bench_report_new ("memory", &args);

  if (args.peer == g_intern_static_string ("idle-workers"))
    run_idle_workers (bench_args_n (&args, 10000, 10000), report);
  else
    {
      gboolean queue = args.peer == g_intern_static_string ("queue");

      n_blocks = bench_args_n (&args, 1000000, 20000);
      bench_report_double (report, "window_s", queue ? (args.quick ? 1.0 : 10.0) : 0);
      run_yields (queue ? TW_YIELD_POLICY_QUEUE : TW_YIELD_POLICY_LATEST,
                  queue ? (args.quick ? 1000 : 10000) : 0, report);
    }

  bench_report_print (report);
  return 0;
}
