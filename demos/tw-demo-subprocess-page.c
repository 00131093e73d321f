/* tw-demo-subprocess-page.c: page 4, a command run by a TwSubprocessWorker:
 * its output lines stream into a list, its PROGRESS lines drive the progress
 * bar, and Pause, Resume and Stop signal the child process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>
#include <threadworker.h>

#include "tw-demo-page.h"
#include "tw-demo-subprocess-page.h"
#include "tw-demo-util.h"

/* The list keeps the newest lines only. */
#define MAX_LINES 5000

typedef struct
{
  const char *title;
  const char *command;
} Preset;

static const Preset presets[] = {
  {
    N_("Count to 200, with progress"),
    "sh -c 'n=200; i=0; while [ $i -lt $n ]; do i=$((i+1)); "
    "echo \"Line $i of $n at $(date +%T.%N)\"; "
    "printf \"PROGRESS %d.%02d Line %d of %d\\n\" $((i/n)) $((i*100/n%100)) $i $n; "
    "sleep 0.05; done'"
  },
  {
    N_("List /usr/share (a flood of lines)"),
    "find /usr/share -maxdepth 4"
  },
  {
    N_("Fail after a second"),
    "sh -c 'echo Starting; sleep 1; echo \"disk quota exceeded\" >&2; exit 3'"
  },
};

struct _TwDemoSubprocessPage
{
  GtkBox         parent_instance;

  TwWorker      *worker;       /* the last command's; NULL before the first */

  GtkWidget     *preset_dropdown;
  GtkWidget     *command_entry;
  GtkWidget     *run_button;
  GtkWidget     *pause_button;
  GtkWidget     *stop_button;
  GtkWidget     *progress_bar;
  GtkWidget     *state_label;
  GtkWidget     *count_label;
  GtkWidget     *status_label;
  GtkWidget     *list_view;
  GtkWidget     *follow_switch;
  GtkStringList *lines;
  GBinding      *progress_binding;
  GBinding      *text_binding;
  GBinding      *show_text_binding;

  GPtrArray     *pending;      /* char*: lines not yet in the list */
  guint          flush_id;
  guint64        n_lines;      /* lines of the current run */

  GTask         *script_task;
  guint          script_lines;
};

static void tw_demo_subprocess_page_page_iface_init (TwDemoPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwDemoSubprocessPage, tw_demo_subprocess_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (TW_DEMO_TYPE_PAGE,
                                                      tw_demo_subprocess_page_page_iface_init))

static void
update_controls (TwDemoSubprocessPage *self)
{
  gboolean running = self->worker != NULL && tw_worker_get_is_running (self->worker);
  TwWorkerState state = self->worker != NULL ? tw_worker_get_state (self->worker)
                                             : TW_WORKER_STATE_IDLE;
  char buffer[32];

  gtk_widget_set_sensitive (self->run_button, !running);
  /* Read-only rather than insensitive: it may have the focus. */
  gtk_editable_set_editable (GTK_EDITABLE (self->command_entry), !running);
  gtk_widget_set_sensitive (self->preset_dropdown, !running);
  gtk_label_set_text (GTK_LABEL (self->state_label), tw_demo_state_to_string (state));
  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, self->n_lines);
  gtk_label_set_text (GTK_LABEL (self->count_label), buffer);
}

/* Lines arrive in batches (one dispatch carries many); they enter the list
 * model in one splice per main-loop turn, not one change per line. */
static gboolean
flush_lines_cb (gpointer user_data)
{
  TwDemoSubprocessPage *self = user_data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->lines));
  guint n_new = self->pending->len;
  guint n_remove = 0;

  self->flush_id = 0;
  if (n_new == 0)
    return G_SOURCE_REMOVE;

  g_ptr_array_add (self->pending, NULL);
  if (n_items + n_new > MAX_LINES)
    n_remove = MIN (n_items, n_items + n_new - MAX_LINES);
  gtk_string_list_splice (self->lines, 0, n_remove, NULL);
  /* Splices at the end: the list keeps the newest MAX_LINES lines. */
  if (n_new > MAX_LINES)
    gtk_string_list_splice (self->lines, n_items - n_remove, 0,
                            (const char * const *) self->pending->pdata + (n_new - MAX_LINES));
  else
    gtk_string_list_splice (self->lines, n_items - n_remove, 0,
                            (const char * const *) self->pending->pdata);
  g_ptr_array_set_size (self->pending, 0);

  /* Keep the newest line in view while "Follow output" is on. */
  if (gtk_switch_get_active (GTK_SWITCH (self->follow_switch)))
    gtk_widget_activate_action (self->list_view, "list.scroll-to-item", "u",
                                g_list_model_get_n_items (G_LIST_MODEL (self->lines)) - 1);

  update_controls (self);

  if (self->script_task != NULL && self->n_lines >= self->script_lines &&
      tw_worker_get_state (self->worker) == TW_WORKER_STATE_RUNNING)
    gtk_widget_activate (self->pause_button);

  return G_SOURCE_REMOVE;
}

static void
on_worker_notify (GObject              *object,
                  GParamSpec           *pspec,
                  TwDemoSubprocessPage *self)
{
  update_controls (self);
}

static void
on_started (TwWorker             *worker,
            TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, _("Running."), FALSE);
}

static void
on_yielded (TwWorker             *worker,
            const GValue         *value,
            TwDemoSubprocessPage *self)
{
  g_ptr_array_add (self->pending, g_value_dup_string (value));
  self->n_lines++;
  if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, flush_lines_cb, self, NULL);
}

static void
on_paused (TwWorker             *worker,
           TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label,
                      _("Paused: the process is stopped (SIGSTOP) and no line is read."),
                      FALSE);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task, NULL);
}

static void
on_resumed (TwWorker             *worker,
            TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, _("Running."), FALSE);
}

static void
on_returned (TwWorker             *worker,
             const GValue         *value,
             TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, _("The command finished successfully."), FALSE);
}

static void
on_errored (TwWorker             *worker,
            const GError         *error,
            TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, error->message, TRUE);
}

static void
on_warned (TwWorker             *worker,
           const char           *message,
           TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, message, TRUE);
}

static void
on_aborted (TwWorker             *worker,
            TwDemoSubprocessPage *self)
{
  tw_demo_set_status (self->status_label, _("Stopped: the process was terminated."), FALSE);
}

static void
on_finished (TwWorker             *worker,
             TwDemoSubprocessPage *self)
{
  update_controls (self);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                        "the command ended after %" G_GUINT64_FORMAT " lines",
                                        self->n_lines));
}

/* Shows the progress text only when the command gives one. */
static gboolean
text_to_visible (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

static void
drop_worker (TwDemoSubprocessPage *self)
{
  if (self->worker == NULL)
    return;

  g_clear_pointer (&self->progress_binding, g_binding_unbind);
  g_clear_pointer (&self->text_binding, g_binding_unbind);
  g_clear_pointer (&self->show_text_binding, g_binding_unbind);
  g_signal_handlers_disconnect_by_data (self->worker, self);
  tw_worker_quit (self->worker);
  g_clear_object (&self->worker);
}

static void
on_run_clicked (TwDemoSubprocessPage *self)
{
  const char *command = gtk_editable_get_text (GTK_EDITABLE (self->command_entry));
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = NULL;

  if (self->worker != NULL && tw_worker_get_is_running (self->worker))
    return;

  /* Split like a shell would, but run argv directly: no shell is involved
   * unless the command names one. */
  if (!g_shell_parse_argv (command, NULL, &argv, &error) ||
      (worker = tw_subprocess_worker_new ((const char * const *) argv, &error)) == NULL)
    {
      tw_demo_set_status (self->status_label, error->message, TRUE);
      tw_demo_script_return (&self->script_task, g_steal_pointer (&error));
      return;
    }

  drop_worker (self);
  self->worker = g_steal_pointer (&worker);
  tw_worker_set_name (self->worker, argv[0]);
  tw_worker_set_max_pending_yields (self->worker, 1024);
  /* Pause and Stop name this worker's actions; the group replaces the
   * previous worker's. Closing the window quits the command. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "worker",
                                  tw_worker_get_actions (self->worker));
  tw_worker_quit_with (self->worker, self);

  gtk_string_list_splice (self->lines, 0, g_list_model_get_n_items (G_LIST_MODEL (self->lines)),
                          NULL);
  g_ptr_array_set_size (self->pending, 0);
  self->n_lines = 0;

  self->progress_binding =
    g_object_bind_property_full (self->worker, "progress", self->progress_bar, "fraction",
                                 G_BINDING_SYNC_CREATE, tw_demo_progress_to_fraction,
                                 NULL, NULL, NULL);
  self->text_binding =
    g_object_bind_property (self->worker, "progress-text", self->progress_bar, "text",
                            G_BINDING_SYNC_CREATE);
  self->show_text_binding =
    g_object_bind_property_full (self->worker, "progress-text", self->progress_bar, "show-text",
                                 G_BINDING_SYNC_CREATE, text_to_visible, NULL, NULL, NULL);

  g_signal_connect (self->worker, "notify::state", G_CALLBACK (on_worker_notify), self);
  g_signal_connect (self->worker, "notify::abort-requested", G_CALLBACK (on_worker_notify), self);
  g_signal_connect (self->worker, "started", G_CALLBACK (on_started), self);
  g_signal_connect (self->worker, "yielded", G_CALLBACK (on_yielded), self);
  g_signal_connect (self->worker, "paused", G_CALLBACK (on_paused), self);
  g_signal_connect (self->worker, "resumed", G_CALLBACK (on_resumed), self);
  g_signal_connect (self->worker, "returned", G_CALLBACK (on_returned), self);
  g_signal_connect (self->worker, "errored", G_CALLBACK (on_errored), self);
  g_signal_connect (self->worker, "warned", G_CALLBACK (on_warned), self);
  g_signal_connect (self->worker, "aborted", G_CALLBACK (on_aborted), self);
  g_signal_connect (self->worker, "finished", G_CALLBACK (on_finished), self);

  tw_worker_start (self->worker);
  update_controls (self);
}

static void
on_preset_selected (TwDemoSubprocessPage *self)
{
  guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->preset_dropdown));

  if (selected < G_N_ELEMENTS (presets))
    gtk_editable_set_text (GTK_EDITABLE (self->command_entry), presets[selected].command);
}

static void
tw_demo_subprocess_page_script_async (TwDemoPage          *page,
                                      guint                n_frames,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  TwDemoSubprocessPage *self = TW_DEMO_SUBPROCESS_PAGE (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tw_demo_subprocess_page_script_async);
  if (self->script_task != NULL ||
      (self->worker != NULL && tw_worker_get_is_running (self->worker)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "a command is running");
      return;
    }

  /* Run the counter, let n_frames lines arrive, then pause it. */
  self->script_task = g_steal_pointer (&task);
  self->script_lines = MAX (n_frames, 1);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->preset_dropdown), 0);
  on_preset_selected (self);
  gtk_widget_activate (self->run_button);
}

static void
tw_demo_subprocess_page_page_iface_init (TwDemoPageInterface *iface)
{
  iface->script_async = tw_demo_subprocess_page_script_async;
}

static void
tw_demo_subprocess_page_dispose (GObject *object)
{
  TwDemoSubprocessPage *self = TW_DEMO_SUBPROCESS_PAGE (object);

  drop_worker (self);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->lines);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "the page was destroyed"));

  G_OBJECT_CLASS (tw_demo_subprocess_page_parent_class)->dispose (object);
}

static void
tw_demo_subprocess_page_class_init (TwDemoSubprocessPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tw_demo_subprocess_page_dispose;
}

static void
setup_line_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_set_margin_start (label, 6);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_line_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkStringObject *line = gtk_list_item_get_item (list_item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)),
                      gtk_string_object_get_string (line));
}

static void
tw_demo_subprocess_page_init (TwDemoSubprocessPage *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *row, *label, *scrolled, *grid;
  GtkListItemFactory *factory;
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);

  tw_demo_init_page_box (box);
  /* No command yet: the buttons find no "worker" actions and stay
   * insensitive. Each run replaces this group with its worker's. (Inserted
   * before the buttons exist: GTK 4.8 does not show them a group inserted
   * on an ancestor that had none when they were made.) */
  {
    g_autoptr(GSimpleActionGroup) none = g_simple_action_group_new ();

    gtk_widget_insert_action_group (GTK_WIDGET (self), "worker", G_ACTION_GROUP (none));
  }

  self->lines = gtk_string_list_new (NULL);
  self->pending = g_ptr_array_new_with_free_func (g_free);

  tw_demo_add_header (box, _("Subprocess"),
                      _("A command run as a child process by a subprocess worker. Each "
                        "line it prints is yielded and lands in the list; lines of the "
                        "form “PROGRESS 0.42 text” drive the progress bar. Pause stops the "
                        "process (SIGSTOP) and stays pressed until it is pressed again, which "
                        "continues it; Stop terminates it. The "
                        "command runs without a shell unless it names one."));

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    gtk_string_list_append (titles, _(presets[i].title));

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_box_append (box, grid);

  label = gtk_label_new_with_mnemonic (_("_Example"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  self->preset_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (titles)), NULL);
  gtk_widget_set_halign (self->preset_dropdown, GTK_ALIGN_START);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->preset_dropdown);
  gtk_grid_attach (GTK_GRID (grid), self->preset_dropdown, 1, 0, 1, 1);

  label = gtk_label_new_with_mnemonic (_("C_ommand"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  self->command_entry = gtk_entry_new ();
  gtk_widget_set_hexpand (self->command_entry, TRUE);
  gtk_widget_add_css_class (self->command_entry, "monospace");
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->command_entry);
  gtk_grid_attach (GTK_GRID (grid), self->command_entry, 1, 1, 1, 1);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->run_button = gtk_button_new_with_mnemonic (_("R_un"));
  gtk_widget_add_css_class (self->run_button, "suggested-action");
  gtk_box_append (GTK_BOX (row), self->run_button);
  /* The worker's actions; pressed while a pause is asked for. */
  self->pause_button = gtk_toggle_button_new_with_mnemonic (_("_Pause"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "worker.toggle-pause");
  gtk_box_append (GTK_BOX (row), self->pause_button);
  self->stop_button = gtk_button_new_with_mnemonic (_("S_top"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->stop_button), "worker.quit");
  gtk_widget_add_css_class (self->stop_button, "destructive-action");
  gtk_box_append (GTK_BOX (row), self->stop_button);
  self->progress_bar = gtk_progress_bar_new ();
  gtk_widget_set_hexpand (self->progress_bar, TRUE);
  gtk_widget_set_valign (self->progress_bar, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_start (self->progress_bar, 12);
  gtk_box_append (GTK_BOX (row), self->progress_bar);
  gtk_box_append (box, row);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new (_("State"));
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (row), label);
  self->state_label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (row), self->state_label);
  label = gtk_label_new (_("Lines"));
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_start (label, 12);
  gtk_box_append (GTK_BOX (row), label);
  self->count_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->count_label, "numeric");
  gtk_box_append (GTK_BOX (row), self->count_label);
  label = gtk_label_new (_("Follow output"));
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_box_append (GTK_BOX (row), label);
  self->follow_switch = gtk_switch_new ();
  gtk_switch_set_active (GTK_SWITCH (self->follow_switch), TRUE);
  gtk_widget_set_valign (self->follow_switch, GTK_ALIGN_CENTER);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->follow_switch),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  gtk_box_append (GTK_BOX (row), self->follow_switch);
  gtk_box_append (box, row);

  self->status_label = gtk_label_new (_("Pick an example or type a command, then press Run."));
  gtk_label_set_xalign (GTK_LABEL (self->status_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->status_label), TRUE);
  gtk_box_append (box, self->status_label);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_line_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_line_cb), NULL);
  self->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (
                                         gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->lines)))),
                                       factory);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list_view);
  gtk_box_append (box, scrolled);

  g_signal_connect_swapped (self->preset_dropdown, "notify::selected",
                            G_CALLBACK (on_preset_selected), self);
  g_signal_connect_swapped (self->command_entry, "activate", G_CALLBACK (on_run_clicked), self);
  g_signal_connect_swapped (self->run_button, "clicked", G_CALLBACK (on_run_clicked), self);

  on_preset_selected (self);
  update_controls (self);
}

GtkWidget *
tw_demo_subprocess_page_new (void)
{
  return g_object_new (TW_DEMO_TYPE_SUBPROCESS_PAGE, NULL);
}
