/* test-frame-sync.c: tw_gtk_sync_to_frames() in a real GTK 4 window under
 * Xvfb: values arrive in the frame clock's update phase (LATEST: at most one
 * per frame, QUEUE: every value, in order), the run's end comes after the
 * last value, and an unmapped or destroyed widget never stalls a run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <threadworker-gtk.h>

#include "tw-test-util.h"

typedef struct
{
  gint64  n;        /* values to yield */
  gint64  i;
} Count;

static gboolean
count_step (TwWorker     *worker,
            const GValue *sent,
            gpointer      user_data)
{
  Count *c = user_data;

  tw_worker_set_progress (worker, (double) c->i / c->n);
  if (!tw_worker_yield_int (worker, c->i++))
    return FALSE;
  return c->i < c->n;
}

typedef struct
{
  GdkFrameClock *clock;
  gint64         last_frame;      /* frame counter of the last delivery */
  guint          max_per_frame;
  guint          this_frame;
  guint          n_values;
  gint64         last_value;
  gboolean       in_order;
  guint          frames_with_values;
} Deliveries;

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            gpointer      user_data)
{
  Deliveries *d = user_data;
  gint64 frame = gdk_frame_clock_get_frame_counter (d->clock);
  gint64 v = g_value_get_int64 (value);

  if (frame != d->last_frame)
    {
      d->last_frame = frame;
      d->this_frame = 0;
      d->frames_with_values++;
    }
  d->this_frame++;
  d->max_per_frame = MAX (d->max_per_frame, d->this_frame);
  if (d->n_values > 0 && v <= d->last_value)
    d->in_order = FALSE;
  d->last_value = v;
  d->n_values++;
}

static GtkWidget *
show_window (GtkWidget **child)
{
  GtkWidget *window = gtk_window_new ();

  *child = gtk_label_new ("frames");
  gtk_window_set_child (GTK_WINDOW (window), *child);
  gtk_window_set_default_size (GTK_WINDOW (window), 200, 100);
  gtk_window_present (GTK_WINDOW (window));
  TW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (*child));
  return window;
}

static void
run_synced (TwYieldPolicy policy,
            gint64        n,
            Deliveries   *d)
{
  GtkWidget *label;
  GtkWidget *window = show_window (&label);
  Count count = { n, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);

  d->clock = gtk_widget_get_frame_clock (label);
  d->last_frame = -1;
  d->in_order = TRUE;
  tw_worker_set_yield_policy (worker, policy);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), d);
  tw_gtk_sync_to_frames (worker, label);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  g_assert_true (g_str_has_prefix (rec->log->str, "S"));
  g_assert_true (g_str_has_suffix (rec->log->str, "RF"));
  /* The last value always arrives, before `returned`. */
  g_assert_cmpint (d->last_value, ==, n - 1);
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, (double) (n - 1) / n);

  tw_recorder_free (rec);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (worker);
}

static void
test_latest_one_value_per_frame (void)
{
  Deliveries d = { 0 };

  run_synced (TW_YIELD_POLICY_LATEST, 200000, &d);
  g_assert_cmpuint (d.max_per_frame, ==, 1);
  g_assert_true (d.in_order);
  /* Coalesced to the frame rate: far fewer values than were yielded. */
  g_assert_cmpuint (d.n_values, <, 200000);
}

static void
test_queue_every_value_in_order (void)
{
  Deliveries d = { 0 };

  run_synced (TW_YIELD_POLICY_QUEUE, 20000, &d);
  g_assert_cmpuint (d.n_values, ==, 20000);
  g_assert_true (d.in_order);
  /* 20,000 values against at most 256 waiting: they took several frames. */
  g_assert_cmpuint (d.frames_with_values, >, 1);
}

/* A widget that is never mapped gets no frames: delivery is the normal one. */
static void
test_unmapped_widget_falls_back (void)
{
  GtkWidget *label = g_object_ref_sink (gtk_label_new ("hidden"));
  Count count = { 5000, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);

  tw_gtk_sync_to_frames (worker, label);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (rec->values->len, ==, 5000);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);

  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
  g_assert_finalize_object (label);
}

static gboolean
destroy_window_cb (gpointer data)
{
  gtk_window_destroy (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
on_yielded_destroy_once (TwWorker     *worker,
                         const GValue *value,
                         gpointer      user_data)
{
  GtkWidget **window = user_data;

  if (*window != NULL)
    {
      g_idle_add (destroy_window_cb, *window);
      *window = NULL;
    }
}

/* Destroying the widget mid-run ends the binding; the run goes on and
 * delivers everything. */
static void
test_widget_destroyed_mid_run (void)
{
  GtkWidget *label;
  GtkWidget *window = show_window (&label);
  GtkWidget *to_destroy = window;
  Count count = { 20000, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);

  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded_destroy_once), &to_destroy);
  tw_gtk_sync_to_frames (worker, label);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_null (to_destroy);
  g_assert_cmpuint (rec->values->len, ==, 20000);
  g_assert_cmpint (tw_recorder_int (rec, 19999), ==, 19999);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);

  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
}

/* The last reference is dropped while values wait for a frame: they are
 * still delivered, and the worker and its binding are freed after. */
static void
test_unref_while_held (void)
{
  GtkWidget *label;
  GtkWidget *window = show_window (&label);
  Count count = { 3000, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  GWeakRef weak;

  g_weak_ref_init (&weak, worker);
  tw_gtk_sync_to_frames (worker, label);
  tw_worker_start (worker);
  g_object_unref (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (rec->values->len, ==, 3000);
  TW_TEST_WAIT_UNTIL (({ GObject *o = g_weak_ref_get (&weak);
                         if (o) g_object_unref (o); o == NULL; }));
  g_weak_ref_clear (&weak);
  rec->worker = NULL;   /* gone: nothing to disconnect */
  tw_recorder_free (rec);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/TwGtk/FrameSync/latest-at-most-one-value-per-frame",
                   test_latest_one_value_per_frame);
  g_test_add_func ("/TwGtk/FrameSync/queue-delivers-every-value-in-order",
                   test_queue_every_value_in_order);
  g_test_add_func ("/TwGtk/FrameSync/unmapped-widget-falls-back-to-normal-delivery",
                   test_unmapped_widget_falls_back);
  g_test_add_func ("/TwGtk/FrameSync/widget-destroyed-mid-run-ends-the-binding",
                   test_widget_destroyed_mid_run);
  g_test_add_func ("/TwGtk/FrameSync/last-unref-while-values-wait-for-a-frame",
                   test_unref_while_held);

  return g_test_run ();
}
