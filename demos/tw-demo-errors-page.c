/* tw-demo-errors-page.c: page 3, a function worker that processes items and
 * fails part-way, either with an error of its own or with a real GIO error.
 * The error reaches the window through `errored` and is shown in a banner,
 * with Retry (restart) and every signal of the run in a log.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>
#include <threadworker.h>

#include "tw-demo-errors-page.h"
#include "tw-demo-page.h"
#include "tw-demo-util.h"

#define N_ITEMS         10
#define ITEM_WORK_MS    120
#define WARN_AT_ITEM    3
#define MAX_LOG_ROWS    200

typedef enum
{
  FAILURE_CHECKSUM,
  FAILURE_MISSING_FILE,
  FAILURE_NONE,
} FailureKind;

#define TW_DEMO_ERROR (tw_demo_error_quark ())
G_DEFINE_QUARK (tw-demo-error-quark, tw_demo_error)

/* Read by the work on the worker thread, written by the page: atomics. */
typedef struct
{
  gint failure;   /* FailureKind */
  gint fail_at;   /* item number */
} Job;

struct _TwDemoErrorsPage
{
  GtkBox      parent_instance;

  TwWorker   *worker;
  Job        *job;          /* owned by the worker */

  GtkWidget  *failure_dropdown;
  GtkWidget  *fail_at_spin;
  GtkWidget  *start_button;
  GtkWidget  *progress_bar;
  GtkWidget  *state_label;
  GtkWidget  *banner_revealer;
  GtkWidget  *banner_title;
  GtkWidget  *banner_detail;
  GtkWidget  *log_list;
  guint       n_log_rows;

  GTask      *script_task;
};

static void tw_demo_errors_page_page_iface_init (TwDemoPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwDemoErrorsPage, tw_demo_errors_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (TW_DEMO_TYPE_PAGE,
                                                      tw_demo_errors_page_page_iface_init))

/* ------------------------------------------------------------------------ */
/* The work (worker thread)                                                 */

/* Processes N_ITEMS items (ITEM_WORK_MS of simulated work each), warns at
 * one, and fails at the one chosen in the window. Called on a worker
 * thread. */
static void
job_work (TwWorker *worker,
          gpointer  user_data)
{
  Job *job = user_data;
  FailureKind failure = g_atomic_int_get (&job->failure);
  int fail_at = g_atomic_int_get (&job->fail_at);

  for (int i = 1; i <= N_ITEMS; i++)
    {
      g_autofree char *text = g_strdup_printf (_("Item %d of %d"), i, N_ITEMS);

      tw_worker_set_progress_text (worker, text);
      if (!tw_worker_sleep (worker, ITEM_WORK_MS))
        return;

      if (i == WARN_AT_ITEM)
        {
          g_autofree char *warning =
            g_strdup_printf (_("Item %d took longer than expected; going on"), i);

          tw_worker_warn (worker, warning);
        }

      if (i == fail_at && failure == FAILURE_CHECKSUM)
        {
          tw_worker_return_error (worker,
                                  g_error_new (TW_DEMO_ERROR, 1,
                                               _("Item %d of %d is corrupt: its checksum "
                                                 "does not match"), i, N_ITEMS));
          return;
        }
      if (i == fail_at && failure == FAILURE_MISSING_FILE)
        {
          g_autofree char *path = g_strdup_printf ("/nonexistent/threadworker-demo/item-%d.dat", i);
          g_autoptr(GFile) file = g_file_new_for_path (path);
          g_autoptr(GError) error = NULL;
          g_autofree char *contents = NULL;

          /* A real blocking GIO call on the worker thread; it fails. */
          if (!g_file_load_contents (file, tw_worker_get_cancellable (worker),
                                     &contents, NULL, NULL, &error))
            {
              tw_worker_return_error (worker, g_steal_pointer (&error));
              return;
            }
        }

      tw_worker_set_progress (worker, (double) i / N_ITEMS);
    }

  tw_worker_return_string (worker, _("All items processed"));
}

/* ------------------------------------------------------------------------ */
/* The page (main thread)                                                   */

/* Start and Retry are the worker's own actions (worker.start,
 * worker.restart): the page has no handler for them. The work reads the
 * settings when a run begins, so they are handed over as they change. */

static void
log_append (TwDemoErrorsPage *self,
            const char       *signal_name,
            const char       *detail,
            const char       *css_class)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");
  GtkWidget *row, *label;

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new (time);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "numeric");
  gtk_box_append (GTK_BOX (row), label);
  label = gtk_label_new (signal_name);
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "heading");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (row), label);
  if (detail != NULL)
    {
      label = gtk_label_new (detail);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (row), label);
    }
  /* Newest first. */
  gtk_list_box_prepend (GTK_LIST_BOX (self->log_list), row);
  if (++self->n_log_rows > MAX_LOG_ROWS)
    {
      GtkListBoxRow *oldest = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->log_list),
                                                             self->n_log_rows - 1);

      gtk_list_box_remove (GTK_LIST_BOX (self->log_list), GTK_WIDGET (oldest));
      self->n_log_rows--;
    }
}

static void
on_started (TwWorker         *worker,
            TwDemoErrorsPage *self)
{
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->banner_revealer), FALSE);
  log_append (self, "started", NULL, NULL);
}

static void
on_warned (TwWorker         *worker,
           const char       *message,
           TwDemoErrorsPage *self)
{
  log_append (self, "warned", message, "warning");
}

static void
on_returned (TwWorker         *worker,
             const GValue     *value,
             TwDemoErrorsPage *self)
{
  log_append (self, "returned", G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL,
              "success");
}

static void
on_errored (TwWorker         *worker,
            const GError     *error,
            TwDemoErrorsPage *self)
{
  g_autofree char *detail = NULL;

  /* Translators: %s is a GError domain (like g-io-error-quark), %d its code */
  detail = g_strdup_printf (_("Error domain %s, code %d. The worker stopped at %.0f%%."),
                            g_quark_to_string (error->domain), error->code,
                            100.0 * tw_worker_get_progress (worker));
  gtk_label_set_text (GTK_LABEL (self->banner_title), error->message);
  gtk_label_set_text (GTK_LABEL (self->banner_detail), detail);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->banner_revealer), TRUE);

  log_append (self, "errored", error->message, "error");
}

static void
on_aborted (TwWorker         *worker,
            TwDemoErrorsPage *self)
{
  log_append (self, "aborted", NULL, NULL);
}

static void
on_banner_revealed (TwDemoErrorsPage *self)
{
  if (gtk_revealer_get_child_revealed (GTK_REVEALER (self->banner_revealer)))
    {
      g_signal_handlers_disconnect_by_func (self->banner_revealer, on_banner_revealed, self);
      tw_demo_script_return (&self->script_task, NULL);
    }
}

static void
on_finished (TwWorker         *worker,
             TwDemoErrorsPage *self)
{
  log_append (self, "finished", NULL, NULL);

  if (self->script_task != NULL && !tw_worker_get_is_running (worker))
    {
      if (tw_worker_get_state (worker) == TW_WORKER_STATE_ERRORED)
        {
          /* Done once the banner has slid fully into view. */
          if (gtk_revealer_get_child_revealed (GTK_REVEALER (self->banner_revealer)))
            tw_demo_script_return (&self->script_task, NULL);
          else
            g_signal_connect_swapped (self->banner_revealer, "notify::child-revealed",
                                      G_CALLBACK (on_banner_revealed), self);
        }
      else
        tw_demo_script_return (&self->script_task,
                               g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                            "the worker did not fail"));
    }
}

static void
apply_settings (TwDemoErrorsPage *self)
{
  guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->failure_dropdown));

  g_atomic_int_set (&self->job->failure, selected == GTK_INVALID_LIST_POSITION
                                         ? FAILURE_CHECKSUM : (gint) selected);
  g_atomic_int_set (&self->job->fail_at,
                    gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->fail_at_spin)));
}

static void
on_dismiss_clicked (TwDemoErrorsPage *self)
{
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->banner_revealer), FALSE);
}

static void
tw_demo_errors_page_script_async (TwDemoPage          *page,
                                  guint                n_frames,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TwDemoErrorsPage *self = TW_DEMO_ERRORS_PAGE (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tw_demo_errors_page_script_async);
  if (self->script_task != NULL || tw_worker_get_is_running (self->worker))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "the worker is busy");
      return;
    }

  self->script_task = g_steal_pointer (&task);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->failure_dropdown), FAILURE_MISSING_FILE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->fail_at_spin), 6);
  gtk_widget_activate (self->start_button);
}

static void
tw_demo_errors_page_page_iface_init (TwDemoPageInterface *iface)
{
  iface->script_async = tw_demo_errors_page_script_async;
}

static void
tw_demo_errors_page_dispose (GObject *object)
{
  TwDemoErrorsPage *self = TW_DEMO_ERRORS_PAGE (object);

  /* quit_with() quits the run and drops the page's handlers at the end of
   * this dispose. */
  g_clear_object (&self->worker);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "the page was destroyed"));

  G_OBJECT_CLASS (tw_demo_errors_page_parent_class)->dispose (object);
}

static void
tw_demo_errors_page_class_init (TwDemoErrorsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tw_demo_errors_page_dispose;
}

static GtkWidget *
banner_new (TwDemoErrorsPage *self)
{
  GtkWidget *revealer, *banner, *text, *icon, *button;

  revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (revealer),
                                    GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);

  banner = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (banner, "tw-banner");
  gtk_accessible_update_property (GTK_ACCESSIBLE (banner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Error"),
                                  -1);
  gtk_revealer_set_child (GTK_REVEALER (revealer), banner);

  icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (banner), icon);

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (banner), text);
  self->banner_title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->banner_title), 0.0);
  gtk_label_set_wrap (GTK_LABEL (self->banner_title), TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->banner_title), TRUE);
  gtk_widget_add_css_class (self->banner_title, "heading");
  gtk_box_append (GTK_BOX (text), self->banner_title);
  self->banner_detail = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->banner_detail), 0.0);
  gtk_label_set_wrap (GTK_LABEL (self->banner_detail), TRUE);
  gtk_widget_add_css_class (self->banner_detail, "caption");
  gtk_box_append (GTK_BOX (text), self->banner_detail);

  button = gtk_button_new_with_mnemonic (_("_Retry"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "worker.restart");
  gtk_box_append (GTK_BOX (banner), button);
  button = gtk_button_new_with_mnemonic (_("_Dismiss"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_dismiss_clicked), self);
  gtk_box_append (GTK_BOX (banner), button);

  return revealer;
}

static void
tw_demo_errors_page_init (TwDemoErrorsPage *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *row, *label, *grid, *scrolled;
  const char *failures[] = {
    _("Its own error: a corrupt item"),
    _("A GIO error: a file that does not exist"),
    _("None: finish normally"),
    NULL
  };

  tw_demo_init_page_box (box);

  self->job = g_new0 (Job, 1);
  self->worker = tw_function_worker_new (job_work, self->job, g_free);
  tw_worker_set_name (self->worker, _("Item processor"));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "worker",
                                  tw_worker_get_actions (self->worker));
  tw_worker_quit_with (self->worker, self);

  tw_demo_add_header (box, _("Errors"),
                      _("A function worker processes ten items and fails part-way. The "
                        "error travels to the main thread with the “errored” signal and "
                        "is shown here; Retry restarts the worker."));

  self->banner_revealer = banner_new (self);
  gtk_box_append (box, self->banner_revealer);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_box_append (box, grid);

  label = gtk_label_new_with_mnemonic (_("_Failure"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  self->failure_dropdown = gtk_drop_down_new_from_strings (failures);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->failure_dropdown);
  gtk_grid_attach (GTK_GRID (grid), self->failure_dropdown, 1, 0, 1, 1);

  label = gtk_label_new_with_mnemonic (_("Fail at _item"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  self->fail_at_spin = gtk_spin_button_new_with_range (1, N_ITEMS, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->fail_at_spin), 7);
  gtk_widget_set_halign (self->fail_at_spin, GTK_ALIGN_START);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->fail_at_spin);
  gtk_grid_attach (GTK_GRID (grid), self->fail_at_spin, 1, 1, 1, 1);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->start_button = gtk_button_new_with_mnemonic (_("_Start"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->start_button), "worker.start");
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  gtk_box_append (GTK_BOX (row), self->start_button);
  self->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (self->progress_bar), TRUE);
  gtk_widget_set_hexpand (self->progress_bar, TRUE);
  gtk_widget_set_valign (self->progress_bar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), self->progress_bar);
  self->state_label = gtk_label_new (NULL);
  gtk_label_set_width_chars (GTK_LABEL (self->state_label), 18);
  gtk_label_set_xalign (GTK_LABEL (self->state_label), 1.0);
  gtk_box_append (GTK_BOX (row), self->state_label);
  gtk_box_append (box, row);

  g_object_bind_property (self->worker, "progress", self->progress_bar, "fraction",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->worker, "progress-text", self->progress_bar, "text",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self->worker, "state", self->state_label, "label",
                               G_BINDING_SYNC_CREATE, tw_demo_state_to_label, NULL,
                               NULL, NULL);

  label = gtk_label_new (_("Signals, newest first"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (box, label);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  self->log_list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->log_list), GTK_SELECTION_NONE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->log_list);
  gtk_box_append (box, scrolled);

  apply_settings (self);
  g_signal_connect_swapped (self->failure_dropdown, "notify::selected",
                            G_CALLBACK (apply_settings), self);
  g_signal_connect_swapped (self->fail_at_spin, "value-changed",
                            G_CALLBACK (apply_settings), self);

  g_signal_connect (self->worker, "started", G_CALLBACK (on_started), self);
  g_signal_connect (self->worker, "warned", G_CALLBACK (on_warned), self);
  g_signal_connect (self->worker, "returned", G_CALLBACK (on_returned), self);
  g_signal_connect (self->worker, "errored", G_CALLBACK (on_errored), self);
  g_signal_connect (self->worker, "aborted", G_CALLBACK (on_aborted), self);
  g_signal_connect (self->worker, "finished", G_CALLBACK (on_finished), self);
}

GtkWidget *
tw_demo_errors_page_new (void)
{
  return g_object_new (TW_DEMO_TYPE_ERRORS_PAGE, NULL);
}
