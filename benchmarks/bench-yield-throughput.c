/* bench-yield-throughput.c: measures how many values per second one producer
 * thread delivers to a C handler on the main loop: a generator worker's
 * yields, against one g_main_context_invoke() per value, and against the
 * floor: a hand-written locked queue drained by one idle source per wakeup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

static guint   n_values;
static guint   n_handled;
static gint64  sum;

/* The C handler every peer delivers to: the same GValue, the same work. */
static inline void
handle_value (const GValue *value)
{
  sum += g_value_get_int64 (value);
  n_handled++;
}

/* threadworker: one generator, one yield per step ------------------------ */

static gboolean
tw_step (TwWorker     *worker,
         const GValue *sent,
         gpointer      user_data)
{
  guint *i = user_data;

  if (!tw_worker_yield_int (worker, (*i)++))
    return FALSE;
  return *i < n_values;
}

static void
tw_yielded_cb (TwWorker     *worker,
               const GValue *value,
               gpointer      user_data)
{
  handle_value (value);
}

static void
run_threadworker (void)
{
  guint i = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (tw_step, &i, NULL);

  g_signal_connect (worker, "yielded", G_CALLBACK (tw_yielded_cb), NULL);
  tw_worker_start (worker);
  bench_wait_count (&n_handled, n_values, 600);
}

/* One g_main_context_invoke() per value ---------------------------------- */

static GMainContext *owner_context;

static gboolean
invoke_cb (gpointer user_data)
{
  handle_value (user_data);
  return G_SOURCE_REMOVE;
}

static void
free_value (gpointer data)
{
  g_value_unset (data);
  g_free (data);
}

static gpointer
invoke_producer (gpointer user_data)
{
  for (guint i = 0; i < n_values; i++)
    {
      GValue *value = g_new0 (GValue, 1);

      g_value_init (value, G_TYPE_INT64);
      g_value_set_int64 (value, i);
      g_main_context_invoke_full (owner_context, G_PRIORITY_DEFAULT,
                                  invoke_cb, value, free_value);
    }
  return NULL;
}

static void
run_invoke (void)
{
  GThread *thread = g_thread_new ("producer", invoke_producer, NULL);

  bench_wait_count (&n_handled, n_values, 600);
  g_thread_join (thread);
}

/* The floor: a locked queue, one idle source per wakeup ------------------ */

typedef struct
{
  GList  link;
  GValue value;
} FloorItem;

static GMutex  floor_lock;
static GQueue  floor_queue;       /* FloorItem, protected by floor_lock */
static gboolean floor_scheduled;  /* protected by floor_lock */

static gboolean
floor_drain_cb (gpointer user_data)
{
  GQueue batch;
  GList *link;

  g_mutex_lock (&floor_lock);
  batch = floor_queue;
  g_queue_init (&floor_queue);
  floor_scheduled = FALSE;
  g_mutex_unlock (&floor_lock);

  while ((link = g_queue_pop_head_link (&batch)) != NULL)
    {
      FloorItem *item = link->data;

      handle_value (&item->value);
      g_value_unset (&item->value);
      g_free (item);
    }
  return G_SOURCE_REMOVE;
}

static gpointer
floor_producer (gpointer user_data)
{
  for (guint i = 0; i < n_values; i++)
    {
      FloorItem *item = g_new0 (FloorItem, 1);
      gboolean wake;

      item->link.data = item;
      g_value_init (&item->value, G_TYPE_INT64);
      g_value_set_int64 (&item->value, i);

      g_mutex_lock (&floor_lock);
      g_queue_push_tail_link (&floor_queue, &item->link);
      wake = !floor_scheduled;
      floor_scheduled = TRUE;
      g_mutex_unlock (&floor_lock);

      if (wake)
        {
          GSource *idle = g_idle_source_new ();

          g_source_set_priority (idle, G_PRIORITY_DEFAULT);
          g_source_set_callback (idle, floor_drain_cb, NULL, NULL);
          g_source_attach (idle, owner_context);
          g_source_unref (idle);
        }
    }
  return NULL;
}

static void
run_floor (void)
{
  GThread *thread = g_thread_new ("producer", floor_producer, NULL);

  bench_wait_count (&n_handled, n_values, 600);
  g_thread_join (thread);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const peers[] = { "threadworker", "invoke", "floor", NULL };
  BenchArgs args;
  BenchReport *report;
  gint64 start, end;
  gint64 expected;

  bench_args_parse (&args, &argc, &argv,
                    "N values from one thread to a C handler on the main loop.", peers);
  n_values = bench_args_n (&args, 1000000, 20000);
  owner_context = g_main_context_ref_thread_default ();

  start = g_get_monotonic_time ();
  if (args.peer == g_intern_static_string ("threadworker"))
    run_threadworker ();
  else if (args.peer == g_intern_static_string ("invoke"))
    run_invoke ();
  else
    run_floor ();
  end = g_get_monotonic_time ();

  expected = (gint64) n_values * (n_values - 1) / 2;
  if (sum != expected)
    g_error ("values lost or duplicated: sum %" G_GINT64_FORMAT
             ", expected %" G_GINT64_FORMAT, sum, expected);

  report = bench_report_new ("yield-throughput", &args);
  bench_report_int (report, "n", n_values);
  bench_report_double (report, "seconds", (end - start) / 1e6);
  bench_report_double (report, "values_per_s", n_values / ((end - start) / 1e6));
  bench_report_print (report);

  g_main_context_unref (owner_context);
  return 0;
}
