/* bench-ui-stall.c: measures how long a flood of yields can hold off redraw:
 * the longest gap between firings of a 16 ms timer at GTK's redraw priority
 * (G_PRIORITY_HIGH_IDLE + 20) while a worker yields as fast as it can for
 * 2 s, against the same flood sent with one g_main_context_invoke() per value,
 * and against no flood at all (the timer's own jitter).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#define FRAME_MS        16
#define REDRAW_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)
/* The invoke peer gets the same bound on undelivered values as a worker's
 * default max-pending-yields, so both floods have the same shape (and the
 * peer's memory stays bounded). */
#define MAX_IN_FLIGHT   256

static gint64   flood_usec;
static gint64   window_start;     /* first firing after the flood started */
static gint64   window_end;       /* first firing after it was delivered */
static gint64   last_firing;
static gint64   max_gap;
static gint64   max_gap_at;       /* when the longest gap ended */
static GArray  *gaps;             /* double, ms */
static gboolean flood_done;
static guint64  n_handled;

static gboolean
frame_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (window_start != 0 && window_end == 0)
    {
      double gap_ms = (now - last_firing) / 1000.0;

      if (now - last_firing > max_gap)
        {
          max_gap = now - last_firing;
          max_gap_at = now;
        }
      g_array_append_val (gaps, gap_ms);
      if (flood_done)
        window_end = now;
    }
  last_firing = now;
  return G_SOURCE_CONTINUE;
}

static inline void
handle_value (gint64 value)
{
  n_handled++;
}

/* threadworker ----------------------------------------------------------- */

static gboolean
tw_step (TwWorker     *worker,
         const GValue *sent,
         gpointer      user_data)
{
  gint64 *end = user_data;
  guint64 i = 0;

  /* Many yields per step: the check of the clock is not what we measure. */
  for (; i < 64; i++)
    if (!tw_worker_yield_int (worker, i))
      return FALSE;
  return g_get_monotonic_time () < *end;
}

static void
tw_yielded_cb (TwWorker     *worker,
               const GValue *value,
               gpointer      user_data)
{
  handle_value (g_value_get_int64 (value));
}

static void
tw_finished_cb (TwWorker *worker,
                gpointer  user_data)
{
  flood_done = TRUE;
}

static void
run_threadworker (void)
{
  gint64 end = g_get_monotonic_time () + flood_usec;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (tw_step, &end, NULL);

  g_signal_connect (worker, "yielded", G_CALLBACK (tw_yielded_cb), NULL);
  g_signal_connect (worker, "finished", G_CALLBACK (tw_finished_cb), NULL);
  tw_worker_start (worker);
  while (window_end == 0)
    g_main_context_iteration (NULL, TRUE);
}

/* One g_main_context_invoke() per value ---------------------------------- */

static GMainContext *owner_context;
static GMutex        invoke_lock;
static GCond         invoke_cond;
static guint         in_flight;          /* protected by invoke_lock */
static gboolean      producer_waiting;   /* protected by invoke_lock */

static gboolean
invoke_cb (gpointer user_data)
{
  handle_value (GPOINTER_TO_SIZE (user_data));

  g_mutex_lock (&invoke_lock);
  in_flight--;
  if (producer_waiting && in_flight <= MAX_IN_FLIGHT / 2)
    g_cond_signal (&invoke_cond);
  g_mutex_unlock (&invoke_lock);
  return G_SOURCE_REMOVE;
}

static gboolean
invoke_done_cb (gpointer user_data)
{
  flood_done = TRUE;
  return G_SOURCE_REMOVE;
}

static gpointer
invoke_producer (gpointer user_data)
{
  gint64 end = g_get_monotonic_time () + flood_usec;

  do
    {
      for (guint64 i = 0; i < 64; i++)
        {
          g_mutex_lock (&invoke_lock);
          while (in_flight >= MAX_IN_FLIGHT)
            {
              producer_waiting = TRUE;
              g_cond_wait (&invoke_cond, &invoke_lock);
            }
          producer_waiting = FALSE;
          in_flight++;
          g_mutex_unlock (&invoke_lock);

          g_main_context_invoke (owner_context, invoke_cb, GSIZE_TO_POINTER (i));
        }
    }
  while (g_get_monotonic_time () < end);

  /* Queued behind every value: runs once the flood was delivered. */
  g_main_context_invoke (owner_context, invoke_done_cb, NULL);
  return NULL;
}

static void
run_invoke (void)
{
  GThread *thread = g_thread_new ("producer", invoke_producer, NULL);

  while (window_end == 0)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
}

/* No flood: the same window on a quiet loop -------------------------------- */

static gboolean
quiet_done_cb (gpointer user_data)
{
  flood_done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_quiet (void)
{
  g_timeout_add (flood_usec / 1000, quiet_done_cb, NULL);
  while (window_end == 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "threadworker", "invoke", "quiet", NULL };
  BenchArgs args;
  BenchReport *report;
  GSource *frame;
  gint64 flood_start;
  double p99_gap;

  bench_args_parse (&args, &argc, &argv,
                    "Longest gap of a redraw-priority 16 ms timer during a flood of yields.",
                    peers);
  flood_usec = bench_args_n (&args, 2000, 300) * G_TIME_SPAN_MILLISECOND;
  gaps = g_array_new (FALSE, FALSE, sizeof (double));
  owner_context = g_main_context_ref_thread_default ();

  frame = g_timeout_source_new (FRAME_MS);
  g_source_set_priority (frame, REDRAW_PRIORITY);
  g_source_set_callback (frame, frame_cb, NULL, NULL);
  g_source_attach (frame, NULL);

  /* Let the timer settle, then start the flood right after a firing. */
  while (last_firing == 0)
    g_main_context_iteration (NULL, TRUE);
  window_start = last_firing;
  flood_start = g_get_monotonic_time ();

  if (args.peer == g_intern_static_string ("threadworker"))
    run_threadworker ();
  else if (args.peer == g_intern_static_string ("invoke"))
    run_invoke ();
  else
    run_quiet ();

  p99_gap = gaps->len > 0 ? bench_percentile (gaps, 99) : 0;

  report = bench_report_new ("ui-stall", &args);
  bench_report_double (report, "flood_s", flood_usec / 1e6);
  bench_report_double (report, "delivered_s", (window_end - flood_start) / 1e6);
  bench_report_int (report, "values", n_handled);
  bench_report_int (report, "frames", gaps->len);
  bench_report_double (report, "max_gap_ms", max_gap / 1000.0);
  bench_report_double (report, "p99_gap_ms", p99_gap);
  bench_report_double (report, "max_gap_at_s", (max_gap_at - flood_start) / 1e6);
  bench_report_print (report);

  g_source_destroy (frame);
  g_source_unref (frame);
  g_array_unref (gaps);
  g_main_context_unref (owner_context);
  return 0;
}
