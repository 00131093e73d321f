/* tw-demo-workers-page.c: page 5, the default pool's live workers (a
 * GListModel) in a GtkListView: name, state and progress of each, with a
 * cancel button per row. Workers started on the other pages show up here
 * too; the page can also start a few background jobs and change the pool's
 * limit to show workers waiting for a thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>
#include <threadworker.h>

#include "tw-demo-page.h"
#include "tw-demo-util.h"
#include "tw-demo-workers-page.h"

#define N_JOBS_PER_CLICK 4
#define JOB_STEP_MS      100

/* A background job: JOB_STEP_MS of simulated work per step. Owned by its
 * worker; used on the worker thread only. */
typedef struct
{
  guint         n_steps;
  guint         done;
  GCancellable *run;
} Job;

struct _TwDemoWorkersPage
{
  GtkBox      parent_instance;

  TwPool     *pool;
  guint       n_jobs;

  GtkWidget  *view_stack;
  GtkWidget  *list_view;
  GtkWidget  *summary_label;
  GtkWidget  *start_button;
  GtkWidget  *cancel_all_button;
  GtkWidget  *max_threads_spin;
  GPtrArray  *jobs;           /* TwWorker*: the jobs this page started */

  GTask      *script_task;
  TwWorker   *script_victim;  /* the job the script cancels from its row */
};

static void tw_demo_workers_page_page_iface_init (TwDemoPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwDemoWorkersPage, tw_demo_workers_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (TW_DEMO_TYPE_PAGE,
                                                      tw_demo_workers_page_page_iface_init))

/* ------------------------------------------------------------------------ */
/* The work (worker thread)                                                 */

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_object (&job->run);
  g_free (job);
}

static gboolean
job_step (TwWorker     *worker,
          const GValue *sent,
          gpointer      user_data)
{
  Job *job = user_data;
  GCancellable *run = tw_worker_get_cancellable (worker);

  if (job->run != run)
    {
      g_set_object (&job->run, run);
      job->done = 0;
    }

  if (!tw_worker_sleep (worker, JOB_STEP_MS))
    return FALSE;
  job->done++;
  tw_worker_set_progress (worker, (double) job->done / job->n_steps);
  return job->done < job->n_steps;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */

typedef struct
{
  TwWorker  *worker;          /* the bound item, not a reference */
  GtkWidget *name_label;
  GtkWidget *state_label;
  GtkWidget *progress_bar;
  GtkWidget *cancel_button;
  GPtrArray *bindings;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_ptr_array_unref (row->bindings);
  g_free (row);
}

static void
on_row_cancel_clicked (GtkButton   *button,
                       GtkListItem *list_item)
{
  TwWorker *worker = gtk_list_item_get_item (list_item);

  if (worker != NULL)
    tw_worker_quit (worker);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  row->name_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (row->name_label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (row->name_label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (row->name_label, TRUE);
  gtk_box_append (GTK_BOX (box), row->name_label);

  row->state_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (row->state_label), 0.0);
  gtk_label_set_width_chars (GTK_LABEL (row->state_label), 20);
  gtk_widget_add_css_class (row->state_label, "dim-label");
  gtk_box_append (GTK_BOX (box), row->state_label);

  row->progress_bar = gtk_progress_bar_new ();
  gtk_widget_set_size_request (row->progress_bar, 200, -1);
  gtk_widget_set_valign (row->progress_bar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), row->progress_bar);

  row->cancel_button = gtk_button_new_from_icon_name ("process-stop-symbolic");
  gtk_widget_set_tooltip_text (row->cancel_button, _("Cancel this worker"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->cancel_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Cancel"),
                                  -1);
  gtk_widget_add_css_class (row->cancel_button, "flat");
  g_signal_connect (row->cancel_button, "clicked", G_CALLBACK (on_row_cancel_clicked), list_item);
  gtk_box_append (GTK_BOX (box), row->cancel_button);

  row->bindings = g_ptr_array_new ();
  g_object_set_data_full (G_OBJECT (list_item), "tw-demo-row", row, row_free);
  g_object_set_data (G_OBJECT (box), "tw-demo-row", row);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  Row *row = g_object_get_data (G_OBJECT (list_item), "tw-demo-row");
  TwWorker *worker = gtk_list_item_get_item (list_item);

  row->worker = worker;
  g_ptr_array_add (row->bindings,
                   g_object_bind_property (worker, "name", row->name_label, "label",
                                           G_BINDING_SYNC_CREATE));
  g_ptr_array_add (row->bindings,
                   g_object_bind_property_full (worker, "state", row->state_label, "label",
                                                G_BINDING_SYNC_CREATE,
                                                tw_demo_state_to_label, NULL, NULL, NULL));
  g_ptr_array_add (row->bindings,
                   g_object_bind_property_full (worker, "progress", row->progress_bar, "fraction",
                                                G_BINDING_SYNC_CREATE,
                                                tw_demo_progress_to_fraction, NULL, NULL, NULL));
  g_ptr_array_add (row->bindings,
                   g_object_bind_property (worker, "abort-requested", row->cancel_button, "sensitive",
                                           G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  Row *row = g_object_get_data (G_OBJECT (list_item), "tw-demo-row");

  for (guint i = 0; i < row->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (row->bindings, i));
  g_ptr_array_set_size (row->bindings, 0);
  row->worker = NULL;
}

/* The cancel button of the row that shows @worker, if it is on screen. */
static GtkWidget *
find_cancel_button (GtkWidget *widget,
                    TwWorker  *worker)
{
  Row *row = g_object_get_data (G_OBJECT (widget), "tw-demo-row");

  if (row != NULL && row->worker == worker)
    return row->cancel_button;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = find_cancel_button (child, worker);

      if (button != NULL)
        return button;
    }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* The page (main thread)                                                   */

static void
update_summary (TwDemoWorkersPage *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->pool));
  g_autofree char *text = NULL;

  /* Translators: the state of the thread pool, e.g. "2 running · 3 waiting for a thread · 2 threads" */
  text = g_strdup_printf (_("%u running · %u waiting for a thread · %u threads"),
                          tw_pool_get_n_running (self->pool),
                          tw_pool_get_n_waiting (self->pool),
                          tw_pool_get_n_threads (self->pool));
  gtk_label_set_text (GTK_LABEL (self->summary_label), text);
  gtk_stack_set_visible_child_name (GTK_STACK (self->view_stack), n_items > 0 ? "list" : "empty");
  gtk_widget_set_sensitive (self->cancel_all_button, n_items > 0);
}

static void
on_pool_notify (TwDemoWorkersPage *self)
{
  update_summary (self);
}

/* The screenshot script waits until the list shows the jobs under way, then
 * cancels the first from its row, and is done once that job has ended. */
static void
on_job_progress (TwWorker          *worker,
                 GParamSpec        *pspec,
                 TwDemoWorkersPage *self)
{
  TwWorker *victim;
  GtkWidget *button;

  if (self->script_task == NULL || self->script_victim != NULL ||
      g_list_model_get_n_items (G_LIST_MODEL (self->pool)) < N_JOBS_PER_CLICK ||
      tw_worker_get_progress (worker) < 0.25)
    return;

  victim = g_ptr_array_index (self->jobs, 0);
  button = find_cancel_button (self->list_view, victim);
  if (button == NULL)
    return;

  self->script_victim = g_object_ref (victim);
  gtk_widget_activate (button);
}

static void
on_job_finished (TwWorker          *worker,
                 TwDemoWorkersPage *self)
{
  g_signal_handlers_disconnect_by_data (worker, self);
  g_ptr_array_remove (self->jobs, worker);

  if (self->script_task == NULL)
    return;
  if (worker == self->script_victim)
    {
      g_clear_object (&self->script_victim);
      if (tw_worker_get_state (worker) == TW_WORKER_STATE_ABORTED)
        tw_demo_script_return (&self->script_task, NULL);
      else
        tw_demo_script_return (&self->script_task,
                               g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                            "the cancelled job ended in state %d",
                                            tw_worker_get_state (worker)));
    }
  else if (self->jobs->len == 0)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                        "the jobs ended before the list showed them"));
}

static void
on_start_clicked (TwDemoWorkersPage *self)
{
  for (guint i = 0; i < N_JOBS_PER_CLICK; i++)
    {
      Job *job = g_new0 (Job, 1);
      g_autoptr(TwWorker) worker = NULL;
      g_autofree char *name = NULL;

      job->n_steps = g_random_int_range (30, 80);
      worker = tw_generator_worker_new (job_step, job, job_free);
      name = g_strdup_printf (_("Background job %u"), ++self->n_jobs);
      tw_worker_set_name (worker, name);
      g_signal_connect (worker, "notify::progress", G_CALLBACK (on_job_progress), self);
      g_signal_connect (worker, "finished", G_CALLBACK (on_job_finished), self);
      g_ptr_array_add (self->jobs, g_object_ref (worker));
      tw_worker_start (worker);
    }
}

static void
on_cancel_all_clicked (TwDemoWorkersPage *self)
{
  tw_pool_quit_all (self->pool);
}

static void
tw_demo_workers_page_script_async (TwDemoPage          *page,
                                   guint                n_frames,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  TwDemoWorkersPage *self = TW_DEMO_WORKERS_PAGE (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tw_demo_workers_page_script_async);
  if (self->script_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "a script is running");
      return;
    }

  self->script_task = g_steal_pointer (&task);
  gtk_widget_activate (self->start_button);
}

static void
tw_demo_workers_page_page_iface_init (TwDemoPageInterface *iface)
{
  iface->script_async = tw_demo_workers_page_script_async;
}

static void
tw_demo_workers_page_dispose (GObject *object)
{
  TwDemoWorkersPage *self = TW_DEMO_WORKERS_PAGE (object);

  if (self->pool != NULL)
    g_signal_handlers_disconnect_by_data (self->pool, self);
  if (self->jobs != NULL)
    {
      for (guint i = 0; i < self->jobs->len; i++)
        {
          TwWorker *worker = g_ptr_array_index (self->jobs, i);

          g_signal_handlers_disconnect_by_data (worker, self);
          tw_worker_quit (worker);
        }
      g_clear_pointer (&self->jobs, g_ptr_array_unref);
    }
  g_clear_object (&self->pool);
  g_clear_object (&self->script_victim);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "the page was destroyed"));

  G_OBJECT_CLASS (tw_demo_workers_page_parent_class)->dispose (object);
}

static void
tw_demo_workers_page_class_init (TwDemoWorkersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tw_demo_workers_page_dispose;
}

static void
tw_demo_workers_page_init (TwDemoWorkersPage *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkListItemFactory *factory;
  GtkNoSelection *selection;
  GtkWidget *row, *label, *scrolled, *empty;

  tw_demo_init_page_box (box);

  self->pool = g_object_ref (tw_pool_get_default ());
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);

  tw_demo_add_header (box, _("Workers"),
                      _("Every live worker of the default pool, from all pages. The pool "
                        "is a list model: rows come and go as workers start and finish. "
                        "Lower the limit of threads at once to see workers wait for one."));

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->start_button = gtk_button_new_with_mnemonic (_("Start four _jobs"));
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  gtk_box_append (GTK_BOX (row), self->start_button);
  self->cancel_all_button = gtk_button_new_with_mnemonic (_("_Cancel all"));
  gtk_widget_add_css_class (self->cancel_all_button, "destructive-action");
  gtk_box_append (GTK_BOX (row), self->cancel_all_button);
  label = gtk_label_new_with_mnemonic (_("_Threads at once"));
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_box_append (GTK_BOX (row), label);
  self->max_threads_spin = gtk_spin_button_new_with_range (1, 16, 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->max_threads_spin);
  gtk_box_append (GTK_BOX (row), self->max_threads_spin);
  gtk_box_append (box, row);
  g_object_bind_property (self->pool, "max-threads", self->max_threads_spin, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

  self->summary_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->summary_label), 0.0);
  gtk_widget_add_css_class (self->summary_label, "dim-label");
  gtk_box_append (box, self->summary_label);

  self->view_stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->view_stack, TRUE);
  gtk_box_append (box, self->view_stack);

  empty = gtk_label_new (_("No worker is running. Start some jobs here, or start work on "
                           "another page."));
  gtk_label_set_wrap (GTK_LABEL (empty), TRUE);
  gtk_widget_add_css_class (empty, "dim-label");
  gtk_stack_add_named (GTK_STACK (self->view_stack), empty, "empty");

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->pool)));
  self->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  gtk_list_view_set_show_separators (GTK_LIST_VIEW (self->list_view), TRUE);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list_view);
  gtk_stack_add_named (GTK_STACK (self->view_stack), scrolled, "list");

  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (on_start_clicked), self);
  g_signal_connect_swapped (self->cancel_all_button, "clicked",
                            G_CALLBACK (on_cancel_all_clicked), self);
  g_signal_connect_swapped (self->pool, "notify::n-running", G_CALLBACK (on_pool_notify), self);
  g_signal_connect_swapped (self->pool, "notify::n-waiting", G_CALLBACK (on_pool_notify), self);
  g_signal_connect_swapped (self->pool, "notify::n-items", G_CALLBACK (on_pool_notify), self);
  g_signal_connect_swapped (self->pool, "notify::max-threads", G_CALLBACK (on_pool_notify), self);

  update_summary (self);
}

GtkWidget *
tw_demo_workers_page_new (void)
{
  return g_object_new (TW_DEMO_TYPE_WORKERS_PAGE, NULL);
}
