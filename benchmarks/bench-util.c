/* bench-util.c: the command line, clocks, percentiles, /proc readings and
 * JSON output shared by the benchmark programs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
bench_args_parse (BenchArgs           *args,
                  int                 *argc,
                  char              ***argv,
                  const char          *summary,
                  const char * const  *peers)
{
  g_autofree char *peer = NULL;
  gint64 n = 0;
  gboolean quick = FALSE;
  GOptionEntry entries[] = {
    { "peer", 'p', 0, G_OPTION_ARG_STRING, &peer, "What to measure", "NAME" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Small N: only prove it runs", NULL },
    { "n", 'n', 0, G_OPTION_ARG_INT64, &n, "Size of the measurement", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *names = g_strjoinv (", ", (char **) peers);
  g_autofree char *description = g_strdup_printf ("Peers: %s", names);

  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (2);
    }
  if (peer == NULL || !g_strv_contains (peers, peer))
    {
      g_printerr ("--peer must be one of: %s\n", names);
      exit (2);
    }

  args->peer = g_intern_string (peer);
  args->quick = quick;
  args->n = n;
}

gint64
bench_args_n (const BenchArgs *args,
              gint64           full,
              gint64           quick)
{
  if (args->n > 0)
    return args->n;
  return args->quick ? quick : full;
}

static gboolean
bench_timeout_cb (gpointer user_data)
{
  g_printerr ("benchmark timed out\n");
  abort ();
  return G_SOURCE_REMOVE;
}

static GSource *
bench_watchdog_new (double timeout_s)
{
  GSource *source = g_timeout_source_new ((guint) (timeout_s * 1000));

  g_source_set_callback (source, bench_timeout_cb, NULL, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

void
bench_wait_flag (const gboolean *flag,
                 double          timeout_s)
{
  GSource *watchdog = bench_watchdog_new (timeout_s);
  GMainContext *context = g_main_context_get_thread_default ();

  while (!*flag)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (watchdog);
  g_source_unref (watchdog);
}

void
bench_wait_count (const guint *count,
                  guint        target,
                  double       timeout_s)
{
  GSource *watchdog = bench_watchdog_new (timeout_s);
  GMainContext *context = g_main_context_get_thread_default ();

  while (*count < target)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (watchdog);
  g_source_unref (watchdog);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *samples,
                  double  p)
{
  double rank;
  guint lo;

  g_return_val_if_fail (samples->len > 0, 0.0);

  g_array_sort (samples, compare_doubles);
  /* Nearest rank with linear interpolation between neighbours. */
  rank = p / 100.0 * (samples->len - 1);
  lo = (guint) rank;
  if (lo + 1 >= samples->len)
    return g_array_index (samples, double, samples->len - 1);
  return g_array_index (samples, double, lo)
         + (rank - lo) * (g_array_index (samples, double, lo + 1)
                          - g_array_index (samples, double, lo));
}

gint64
bench_proc_status (const char *field)
{
  g_autofree char *contents = NULL;
  gsize field_len = strlen (field);

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;

  for (char *line = contents; line != NULL && *line != '\0'; )
    {
      char *next = strchr (line, '\n');

      if (strncmp (line, field, field_len) == 0 && line[field_len] == ':')
        {
          char *end = NULL;
          gint64 value = g_ascii_strtoll (line + field_len + 1, &end, 10);

          while (end != NULL && *end == ' ')
            end++;
          if (end != NULL && g_str_has_prefix (end, "kB"))
            value *= 1024;
          return value;
        }
      line = next != NULL ? next + 1 : NULL;
    }
  return -1;
}

void
bench_reset_peak_rss (void)
{
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

void
bench_atomic_max (gint *peak,
                  gint  value)
{
  gint old = g_atomic_int_get (peak);

  while (value > old && !g_atomic_int_compare_and_exchange (peak, old, value))
    old = g_atomic_int_get (peak);
}

guint64
bench_spin (guint iterations)
{
  volatile guint64 x = 88172645463325252ull;

  for (guint i = 0; i < iterations; i++)
    {
      guint64 y = x;

      y ^= y << 13;
      y ^= y >> 7;
      y ^= y << 17;
      x = y;
    }
  return x;
}

struct _BenchReport
{
  GString *json;
};

BenchReport *
bench_report_new (const char      *bench,
                  const BenchArgs *args)
{
  BenchReport *self = g_new0 (BenchReport, 1);

  self->json = g_string_new ("{");
  bench_report_str (self, "bench", bench);
  bench_report_str (self, "peer", args->peer);
  bench_report_int (self, "quick", args->quick);
  return self;
}

static void
bench_report_key (BenchReport *self,
                  const char  *key)
{
  if (self->json->len > 1)
    g_string_append (self->json, ", ");
  g_string_append_printf (self->json, "\"%s\": ", key);
}

void
bench_report_int (BenchReport *self,
                  const char  *key,
                  gint64       value)
{
  bench_report_key (self, key);
  g_string_append_printf (self->json, "%" G_GINT64_FORMAT, value);
}

void
bench_report_double (BenchReport *self,
                     const char  *key,
                     double       value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  bench_report_key (self, key);
  g_string_append (self->json, g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

void
bench_report_str (BenchReport *self,
                  const char  *key,
                  const char  *value)
{
  bench_report_key (self, key);
  g_string_append_c (self->json, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (self->json, '\\');
      g_string_append_c (self->json, *p);
    }
  g_string_append_c (self->json, '"');
}

void
bench_report_print (BenchReport *self)
{
  g_string_append (self->json, "}\n");
  fputs (self->json->str, stdout);
  fflush (stdout);
  g_string_free (self->json, TRUE);
  g_free (self);
}

/* Jobs: the same tiny work through threadworker and through GTask -------- */

typedef struct
{
  guint   n_done;
  guint64 checksum;
} JobCount;

static void
tw_job (TwWorker *worker,
        gpointer  user_data)
{
  tw_worker_return_int (worker, (gint64) (bench_spin (GPOINTER_TO_UINT (user_data)) & 0xff));
}

static void
tw_job_returned_cb (TwWorker     *worker,
                    const GValue *value,
                    JobCount     *count)
{
  count->checksum += g_value_get_int64 (value);
  count->n_done++;
}

guint64
bench_run_tw_jobs (TwPool *pool,
                   guint   n,
                   guint   spin)
{
  JobCount count = { 0, };

  for (guint i = 0; i < n; i++)
    {
      TwWorker *worker = tw_function_worker_new (tw_job, GUINT_TO_POINTER (spin), NULL);

      if (pool != NULL)
        tw_worker_set_pool (worker, pool);
      g_signal_connect (worker, "returned", G_CALLBACK (tw_job_returned_cb), &count);
      tw_worker_start (worker);
      g_object_unref (worker);   /* a running worker keeps itself alive */
    }
  bench_wait_count (&count.n_done, n, 600);

  return count.checksum;
}

static void
task_job (GTask        *task,
          gpointer      source_object,
          gpointer      task_data,
          GCancellable *cancellable)
{
  g_task_return_int (task, (gssize) (bench_spin (GPOINTER_TO_UINT (task_data)) & 0xff));
}

static void
task_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  JobCount *count = user_data;

  count->checksum += g_task_propagate_int (G_TASK (result), NULL);
  count->n_done++;
}

guint64
bench_run_gtask_jobs (guint n,
                      guint spin)
{
  JobCount count = { 0, };

  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (NULL, NULL, task_done_cb, &count);

      g_task_set_task_data (task, GUINT_TO_POINTER (spin), NULL);
      g_task_run_in_thread (task, task_job);
      g_object_unref (task);
    }
  bench_wait_count (&count.n_done, n, 600);

  return count.checksum;
}
