/* test-ui-gtk.c: a worker bound to GTK 4 widgets in a real window under
 * Xvfb: quit_with() a GtkLabel that is disposed mid-run (removed from its
 * parent, or its window closed) quits the worker and no handler touches the
 * label afterwards; buttons that name the worker's actions follow its state
 * and drive it without any signal handler of their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gtk/gtk.h>

#include "tw-test-util.h"

/* Yields a number every millisecond until quit. */
static void
yield_until_quit (TwWorker *worker,
                  gpointer  user_data)
{
  gint64 i = 0;

  while (tw_worker_yield_int (worker, i++) && tw_worker_sleep (worker, 1))
    ;
}

typedef struct
{
  GThread *owner;
  guint    n_touched;      /* label handler calls */
  guint    n_yielded;      /* any yielded value (a handler bound to nothing) */
  guint    n_wrong_thread;
} Touches;

static Touches *
touches_of (gpointer label)
{
  /* Reading the label's data is itself a touch: on a finalized label it
   * reads freed memory, which ASan or valgrind report. */
  return g_object_get_data (G_OBJECT (label), "touches");
}

static void
touch (GtkLabel *label,
       const char *text)
{
  Touches *touches = touches_of (label);

  if (g_thread_self () != touches->owner)
    touches->n_wrong_thread++;
  touches->n_touched++;
  gtk_label_set_text (label, text);
}

static void
on_yielded_show (TwWorker     *worker,
                 const GValue *value,
                 GtkLabel     *label)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (value));

  touch (label, text);
}

static void
on_aborted_show (TwWorker *worker,
                 GtkLabel *label)
{
  touch (label, "aborted");
}

static void
on_finished_show (TwWorker *worker,
                  GtkLabel *label)
{
  touch (label, "finished");
}

static void
on_state_show (TwWorker   *worker,
               GParamSpec *pspec,
               GtkLabel   *label)
{
  touch (label, "state");
}

static void
on_yielded_count (TwWorker     *worker,
                  const GValue *value,
                  Touches      *touches)
{
  touches->n_yielded++;
}

/* A window with a box holding @label; the label shows the worker's values. */
static GtkWidget *
show_bound_label (TwWorker    *worker,
                  Touches     *touches,
                  GtkWidget  **box_out,
                  GtkWidget  **label_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new ("–");

  touches->owner = g_thread_self ();
  g_object_set_data (G_OBJECT (label), "touches", touches);
  gtk_box_append (GTK_BOX (box), label);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 200, 100);
  gtk_window_present (GTK_WINDOW (window));
  TW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (label));

  g_signal_connect_object (worker, "yielded", G_CALLBACK (on_yielded_show), label, 0);
  g_signal_connect_object (worker, "aborted", G_CALLBACK (on_aborted_show), label, 0);
  g_signal_connect_object (worker, "finished", G_CALLBACK (on_finished_show), label, 0);
  g_signal_connect_object (worker, "notify::state", G_CALLBACK (on_state_show), label, 0);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded_count), touches);
  tw_worker_quit_with (worker, label);

  *box_out = box;
  *label_out = label;
  return window;
}

static void
test_label_removed_mid_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Touches touches = { 0 };
  GtkWidget *box, *label, *window;
  guint yielded_at_dispose;

  window = show_bound_label (worker, &touches, &box, &label);
  g_object_add_weak_pointer (G_OBJECT (label), (gpointer *) &label);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (touches.n_yielded >= 5);
  g_assert_cmpuint (touches.n_touched, >=, 5);

  /* The box held the only reference: the label is finalized now. */
  touches.n_touched = 0;
  yielded_at_dispose = touches.n_yielded;
  gtk_box_remove (GTK_BOX (box), label);
  g_assert_null (label);
  g_assert_true (tw_worker_get_abort_requested (worker));

  tw_recorder_wait_finished (rec, 1);
  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpuint (touches.n_touched, ==, 0);
  g_assert_cmpuint (touches.n_wrong_thread, ==, 0);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  /* Values yielded before the quit may still arrive; none reached the label. */
  g_assert_cmpuint (touches.n_yielded, >=, yielded_at_dispose);

  /* The worker runs again, with a new label. */
  {
    GtkWidget *second = gtk_label_new ("–");

    g_object_set_data (G_OBJECT (second), "touches", &touches);
    gtk_box_append (GTK_BOX (box), second);
    g_signal_connect_object (worker, "yielded", G_CALLBACK (on_yielded_show), second, 0);
    tw_worker_quit_with (worker, second);
    tw_worker_start (worker);
    TW_TEST_WAIT_UNTIL (touches.n_touched >= 3);
    tw_worker_quit (worker);
    tw_recorder_wait_finished (rec, 2);
    g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_closed_mid_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Touches touches = { 0 };
  GtkWidget *box, *label, *window;

  window = show_bound_label (worker, &touches, &box, &label);
  g_object_add_weak_pointer (G_OBJECT (label), (gpointer *) &label);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (touches.n_yielded >= 5);

  touches.n_touched = 0;
  gtk_window_destroy (GTK_WINDOW (window));
  TW_TEST_WAIT_UNTIL (label == NULL);
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpuint (touches.n_touched, ==, 0);
  g_assert_cmpuint (touches.n_wrong_thread, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Buttons with action names                                                */

/* What a click does (gtk_widget_activate() clicks after an animation). */
static void
click (GtkWidget *button)
{
  g_signal_emit_by_name (button, "clicked");
}

static void
test_buttons_follow_and_drive_the_worker (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *start = gtk_button_new_with_label ("Start");
  GtkWidget *pause = gtk_toggle_button_new_with_label ("Pause");
  GtkWidget *stop = gtk_button_new_with_label ("Stop");
  GtkWidget *restart = gtk_button_new_with_label ("Restart");

  gtk_actionable_set_action_name (GTK_ACTIONABLE (start), "worker.start");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (pause), "worker.toggle-pause");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (stop), "worker.quit");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (restart), "worker.restart");
  gtk_box_append (GTK_BOX (box), start);
  gtk_box_append (GTK_BOX (box), pause);
  gtk_box_append (GTK_BOX (box), stop);
  gtk_box_append (GTK_BOX (box), restart);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_widget_insert_action_group (window, "worker", tw_worker_get_actions (worker));
  gtk_window_present (GTK_WINDOW (window));
  TW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (start));

  TW_TEST_WAIT_UNTIL (gtk_widget_is_sensitive (start));
  g_assert_false (gtk_widget_is_sensitive (pause));
  g_assert_false (gtk_widget_is_sensitive (stop));
  g_assert_true (gtk_widget_is_sensitive (restart));

  click (start);
  g_assert_true (tw_worker_get_is_running (worker));
  TW_TEST_WAIT_UNTIL (!gtk_widget_is_sensitive (start));
  TW_TEST_WAIT_UNTIL (gtk_widget_is_sensitive (stop));
  g_assert_true (gtk_widget_is_sensitive (pause));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (pause)));

  /* The toggle button pauses, shows the pause, and resumes. */
  click (pause);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  TW_TEST_WAIT_UNTIL (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (pause)));
  click (pause);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  TW_TEST_WAIT_UNTIL (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (pause)));

  click (restart);
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  click (stop);
  tw_recorder_wait_finished (rec, 2);
  TW_TEST_WAIT_UNTIL (gtk_widget_is_sensitive (start));
  g_assert_false (gtk_widget_is_sensitive (stop));
  g_assert_false (gtk_widget_is_sensitive (pause));

  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  {
    /* S, yields, P, U, yields, A F (restart), S, yields, A F (stop) */
    g_autoptr(GString) shape = g_string_new (NULL);

    for (const char *c = rec->log->str; *c != '\0'; c++)
      if (*c != 'Y')
        g_string_append_c (shape, *c);
    g_assert_cmpstr (shape->str, ==, "SPUAFSAF");
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/TwGtk/Worker/quit-with-label-removed-mid-run-no-handler-touches-it",
                   test_label_removed_mid_run);
  g_test_add_func ("/TwGtk/Worker/quit-with-label-whose-window-is-closed-mid-run",
                   test_window_closed_mid_run);
  g_test_add_func ("/TwGtk/Worker/buttons-with-action-names-follow-and-drive-the-worker",
                   test_buttons_follow_and_drive_the_worker);

  return g_test_run ();
}
