/* tw-demo-send-page.c: page 2, napari's cumulative multiplier. A generator
 * worker yields the running product; the page pauses it after each yield,
 * the user types a number, and send() + resume() hand it to the next step.
 * The run returns a message once the product is 0.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>
#include <threadworker.h>

#include "tw-demo-page.h"
#include "tw-demo-send-page.h"
#include "tw-demo-util.h"

/* napari's example sleeps 0.1 s per step: a stand-in for real work. */
#define STEP_WORK_MS 100

/* The state of the computation, owned by the worker; the work uses it on the
 * worker thread only. */
typedef struct
{
  GCancellable *run;     /* the run `total` belongs to */
  double        total;
} Multiplier;

struct _TwDemoSendPage
{
  GtkBox      parent_instance;

  TwWorker   *worker;

  GtkWidget  *start_button;
  GtkWidget  *result_label;
  GtkWidget  *entry;
  GtkWidget  *send_button;
  GtkWidget  *state_label;
  GtkWidget  *status_label;
  GtkWidget  *history_label;

  GString    *history;

  GTask      *script_task;
  guint       script_step;
};

static void tw_demo_send_page_page_iface_init (TwDemoPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwDemoSendPage, tw_demo_send_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (TW_DEMO_TYPE_PAGE,
                                                      tw_demo_send_page_page_iface_init))

/* What the screenshot script types, one number per product shown. */
static const char * const script_inputs[] = { "3", "2.5", "0" };

/* ------------------------------------------------------------------------ */
/* The work (worker thread)                                                 */

static void
multiplier_free (gpointer data)
{
  Multiplier *m = data;

  g_clear_object (&m->run);
  g_free (m);
}

/* One step of napari's
 *
 *     total = 1
 *     while True:
 *         time.sleep(0.1)
 *         new = yield total
 *         total *= new if new is not None else 1
 *         if total == 0:
 *             return "Game Over!"
 *
 * Every yield asks for an answer. A step without a sent value has nothing new
 * to report, so it yields nothing: the pause the window asked for after the
 * last yield holds the worker at the next checkpoint until the answer comes.
 * Called on a worker thread. */
static gboolean
multiplier_step (TwWorker     *worker,
                 const GValue *sent,
                 gpointer      user_data)
{
  Multiplier *m = user_data;
  GCancellable *run = tw_worker_get_cancellable (worker);
  gboolean news = FALSE;

  if (m->run != run)
    {
      g_set_object (&m->run, run);
      m->total = 1.0;
      news = TRUE;
    }
  else if (sent != NULL && G_VALUE_HOLDS_DOUBLE (sent))
    {
      m->total *= g_value_get_double (sent);
      if (m->total == 0.0)
        {
          tw_worker_return_string (worker, _("Game Over!"));
          return FALSE;
        }
      news = TRUE;
    }

  if (!tw_worker_sleep (worker, STEP_WORK_MS))
    return FALSE;
  return news ? tw_worker_yield_double (worker, m->total) : TRUE;
}

/* ------------------------------------------------------------------------ */
/* The page (main thread)                                                   */

/* While the worker multiplies, the entry stays sensitive (it may have the
 * focus) but read-only. */
static void
set_input_enabled (TwDemoSendPage *self,
                   gboolean        enabled)
{
  gtk_editable_set_editable (GTK_EDITABLE (self->entry), enabled);
  gtk_widget_set_sensitive (self->send_button, enabled);
}

/* The script types its next number, as a user would. */
static gboolean
script_type_cb (gpointer user_data)
{
  TwDemoSendPage *self = user_data;

  if (self->script_task != NULL && self->script_step < G_N_ELEMENTS (script_inputs))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->entry), script_inputs[self->script_step++]);
      gtk_widget_activate (self->send_button);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
on_started (TwWorker       *worker,
            TwDemoSendPage *self)
{
  g_string_truncate (self->history, 0);
  gtk_label_set_text (GTK_LABEL (self->history_label), "");
  gtk_label_set_text (GTK_LABEL (self->result_label), "…");
  tw_demo_set_status (self->status_label, _("Multiplying…"), FALSE);
  gtk_widget_set_sensitive (self->entry, TRUE);
}

static void
on_yielded (TwWorker       *worker,
            const GValue   *value,
            TwDemoSendPage *self)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* Hold the worker until the user has answered. */
  tw_worker_pause (worker);

  g_snprintf (buffer, sizeof buffer, "%g", g_value_get_double (value));
  gtk_label_set_text (GTK_LABEL (self->result_label), buffer);
  if (self->history->len > 0)
    g_string_append (self->history, " → ");
  g_string_append (self->history, buffer);
  gtk_label_set_text (GTK_LABEL (self->history_label), self->history->str);

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "1");
  set_input_enabled (self, TRUE);
  gtk_widget_grab_focus (self->entry);
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
  tw_demo_set_status (self->status_label,
                      _("The worker is paused, waiting for your number."),
                      FALSE);

  if (self->script_task != NULL)
    g_idle_add (script_type_cb, g_object_ref (self));
}

static void
on_returned (TwWorker       *worker,
             const GValue   *value,
             TwDemoSendPage *self)
{
  const char *message = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : "";

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  set_input_enabled (self, FALSE);
  gtk_label_set_text (GTK_LABEL (self->result_label), message);
  if (self->history->len > 0)
    g_string_append (self->history, " → ");
  g_string_append (self->history, "0");
  gtk_label_set_text (GTK_LABEL (self->history_label), self->history->str);
  tw_demo_set_status (self->status_label,
                      _("The product reached 0 and the worker returned."),
                      FALSE);
}

static void
on_aborted (TwWorker       *worker,
            TwDemoSendPage *self)
{
  set_input_enabled (self, FALSE);
  tw_demo_set_status (self->status_label, _("Stopped."), FALSE);
}

static void
on_finished (TwWorker       *worker,
             TwDemoSendPage *self)
{
  gtk_button_set_label (GTK_BUTTON (self->start_button), _("Play _again"));
  /* Like napari's example: no more input once the game is over. */
  gtk_widget_grab_focus (self->start_button);
  gtk_widget_set_sensitive (self->entry, FALSE);

  if (self->script_task != NULL)
    {
      if (tw_worker_get_state (worker) == TW_WORKER_STATE_FINISHED)
        tw_demo_script_return (&self->script_task, NULL);
      else
        tw_demo_script_return (&self->script_task,
                               g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                            "the multiplier ended without returning"));
    }
}

static void
on_send (TwDemoSendPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  char *end = NULL;
  double number;

  if (!gtk_editable_get_editable (GTK_EDITABLE (self->entry)))
    return;

  /* Accepts "2.5" and, in locales that write it so, "2,5". */
  number = g_strtod (text, &end);
  if (end == text || *end != '\0')
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a number."), text);

      tw_demo_set_status (self->status_label, message, TRUE);
      return;
    }

  g_value_init (&value, G_TYPE_DOUBLE);
  g_value_set_double (&value, number);
  if (!tw_worker_send (self->worker, &value, &error))
    {
      tw_demo_set_status (self->status_label, error->message, TRUE);
      return;
    }
  tw_worker_resume (self->worker);

  set_input_enabled (self, FALSE);
  tw_demo_set_status (self->status_label, _("Multiplying…"), FALSE);
}

static void
tw_demo_send_page_script_async (TwDemoPage          *page,
                                guint                n_frames,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  TwDemoSendPage *self = TW_DEMO_SEND_PAGE (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tw_demo_send_page_script_async);
  if (self->script_task != NULL || tw_worker_get_is_running (self->worker))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "the game is on already");
      return;
    }

  self->script_task = g_steal_pointer (&task);
  self->script_step = 0;
  gtk_widget_activate (self->start_button);
}

static void
tw_demo_send_page_page_iface_init (TwDemoPageInterface *iface)
{
  iface->script_async = tw_demo_send_page_script_async;
}

static void
tw_demo_send_page_dispose (GObject *object)
{
  TwDemoSendPage *self = TW_DEMO_SEND_PAGE (object);

  /* quit_with() quits the run and drops the page's handlers at the end of
   * this dispose. */
  g_clear_object (&self->worker);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "the page was destroyed"));

  G_OBJECT_CLASS (tw_demo_send_page_parent_class)->dispose (object);
}

static void
tw_demo_send_page_finalize (GObject *object)
{
  TwDemoSendPage *self = TW_DEMO_SEND_PAGE (object);

  g_string_free (self->history, TRUE);

  G_OBJECT_CLASS (tw_demo_send_page_parent_class)->finalize (object);
}

static void
tw_demo_send_page_class_init (TwDemoSendPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tw_demo_send_page_dispose;
  object_class->finalize = tw_demo_send_page_finalize;
}

static void
tw_demo_send_page_init (TwDemoSendPage *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *grid, *label, *row;

  tw_demo_init_page_box (box);
  self->history = g_string_new (NULL);

  self->worker = tw_generator_worker_new (multiplier_step, g_new0 (Multiplier, 1),
                                          multiplier_free);
  tw_worker_set_name (self->worker, _("Multiplier"));
  /* Start is the worker's own action; closing the window quits the game. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "worker",
                                  tw_worker_get_actions (self->worker));
  tw_worker_quit_with (self->worker, self);

  tw_demo_add_header (box, _("Send"),
                      _("A cumulative multiplier running on a worker thread. After each "
                        "product it yields, the window pauses the worker; type a number "
                        "and press Enter to send it into the worker and resume it. The "
                        "worker returns a message when the product reaches 0."));

  self->start_button = gtk_button_new_with_mnemonic (_("_Start"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->start_button), "worker.start");
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  gtk_widget_set_halign (self->start_button, GTK_ALIGN_START);
  gtk_box_append (box, self->start_button);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_box_append (box, grid);

  label = gtk_label_new (_("Product"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  self->result_label = gtk_label_new ("–");
  gtk_label_set_xalign (GTK_LABEL (self->result_label), 0.0);
  gtk_label_set_selectable (GTK_LABEL (self->result_label), TRUE);
  gtk_widget_add_css_class (self->result_label, "tw-result");
  gtk_grid_attach (GTK_GRID (grid), self->result_label, 1, 0, 1, 1);

  label = gtk_label_new_with_mnemonic (_("_Multiply by"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->entry = gtk_entry_new ();
  gtk_entry_set_input_purpose (GTK_ENTRY (self->entry), GTK_INPUT_PURPOSE_NUMBER);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->entry), 12);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->entry);
  gtk_box_append (GTK_BOX (row), self->entry);
  self->send_button = gtk_button_new_with_mnemonic (_("Se_nd"));
  gtk_box_append (GTK_BOX (row), self->send_button);
  gtk_grid_attach (GTK_GRID (grid), row, 1, 1, 1, 1);

  label = gtk_label_new (_("State"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), label, 0, 2, 1, 1);
  self->state_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->state_label), 0.0);
  gtk_grid_attach (GTK_GRID (grid), self->state_label, 1, 2, 1, 1);
  g_object_bind_property_full (self->worker, "state", self->state_label, "label",
                               G_BINDING_SYNC_CREATE, tw_demo_state_to_label, NULL,
                               NULL, NULL);

  label = gtk_label_new (_("Products"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), label, 0, 3, 1, 1);
  self->history_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->history_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (self->history_label), TRUE);
  gtk_widget_add_css_class (self->history_label, "numeric");
  gtk_grid_attach (GTK_GRID (grid), self->history_label, 1, 3, 1, 1);

  self->status_label = gtk_label_new (_("Press Start to begin."));
  gtk_label_set_xalign (GTK_LABEL (self->status_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_box_append (box, self->status_label);

  set_input_enabled (self, FALSE);
  gtk_widget_set_sensitive (self->entry, FALSE);

  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (on_send), self);
  g_signal_connect_swapped (self->send_button, "clicked", G_CALLBACK (on_send), self);

  g_signal_connect (self->worker, "started", G_CALLBACK (on_started), self);
  g_signal_connect (self->worker, "yielded", G_CALLBACK (on_yielded), self);
  g_signal_connect (self->worker, "returned", G_CALLBACK (on_returned), self);
  g_signal_connect (self->worker, "aborted", G_CALLBACK (on_aborted), self);
  g_signal_connect (self->worker, "finished", G_CALLBACK (on_finished), self);
}

GtkWidget *
tw_demo_send_page_new (void)
{
  return g_object_new (TW_DEMO_TYPE_SEND_PAGE, NULL);
}
