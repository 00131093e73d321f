/* tw-demo-util.c: small helpers shared by the pages of the demo viewer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>

#include "tw-demo-util.h"

const char *
tw_demo_state_to_string (TwWorkerState state)
{
  switch (state)
    {
    case TW_WORKER_STATE_IDLE:
      return C_("worker state", "Idle");
    case TW_WORKER_STATE_WAITING:
      return C_("worker state", "Waiting for a thread");
    case TW_WORKER_STATE_RUNNING:
      return C_("worker state", "Running");
    case TW_WORKER_STATE_PAUSED:
      return C_("worker state", "Paused");
    case TW_WORKER_STATE_FINISHED:
      return C_("worker state", "Finished");
    case TW_WORKER_STATE_ERRORED:
      return C_("worker state", "Failed");
    case TW_WORKER_STATE_ABORTED:
      return C_("worker state", "Stopped");
    default:
      return C_("worker state", "Unknown");
    }
}

void
tw_demo_init_page_box (GtkBox *box)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (box), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (box, 12);
  gtk_widget_set_margin_top (GTK_WIDGET (box), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (box), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (box), 18);
  gtk_widget_set_margin_end (GTK_WIDGET (box), 18);
}

void
tw_demo_add_header (GtkBox     *box,
                    const char *title,
                    const char *description)
{
  GtkWidget *label;

  label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "title-2");
  gtk_box_append (box, label);

  label = gtk_label_new (description);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 90);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (box, label);
}

GtkWidget *
tw_demo_figure_label_new (void)
{
  GtkWidget *label = gtk_label_new ("–");

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "numeric");
  return label;
}

GtkWidget *
tw_demo_add_figure (GtkGrid    *grid,
                    int         row,
                    const char *caption)
{
  GtkWidget *label = gtk_label_new (caption);
  GtkWidget *value = tw_demo_figure_label_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, value, 1, row, 1, 1);
  return value;
}

gboolean
tw_demo_progress_to_fraction (GBinding     *binding,
                              const GValue *from,
                              GValue       *to,
                              gpointer      user_data)
{
  g_value_set_double (to, CLAMP (g_value_get_double (from), 0.0, 1.0));
  return TRUE;
}

gboolean
tw_demo_state_to_label (GBinding     *binding,
                        const GValue *from,
                        GValue       *to,
                        gpointer      user_data)
{
  g_value_set_string (to, tw_demo_state_to_string (g_value_get_enum (from)));
  return TRUE;
}

void
tw_demo_script_return (GTask  **task,
                       GError  *error)
{
  g_autoptr(GTask) pending = g_steal_pointer (task);

  if (pending == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (pending, error);
  else
    g_task_return_boolean (pending, TRUE);
}

void
tw_demo_set_status (GtkWidget  *label,
                    const char *text,
                    gboolean    is_error)
{
  gtk_label_set_text (GTK_LABEL (label), text);
  if (is_error)
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}
