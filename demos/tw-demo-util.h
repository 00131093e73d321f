/* tw-demo-util.h: small helpers shared by the pages of the demo viewer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <threadworker.h>

G_BEGIN_DECLS

/* A translated, human name for a worker state. */
const char *tw_demo_state_to_string (TwWorkerState state);

/* Lays a page out: vertical, spaced, with margins. */
void        tw_demo_init_page_box   (GtkBox     *box);

/* Appends a page title and a one-paragraph explanation to @box. */
void        tw_demo_add_header      (GtkBox     *box,
                                     const char *title,
                                     const char *description);

/* A label for a figure: right-aligned, tabular digits. */
GtkWidget  *tw_demo_figure_label_new (void);

/* Adds "caption  value" as a row of @grid and returns the value label. */
GtkWidget  *tw_demo_add_figure      (GtkGrid    *grid,
                                     int         row,
                                     const char *caption);

/* A GBindingTransformFunc for TwWorker:progress -> GtkProgressBar:fraction:
 * unknown (negative) progress shows as empty. */
gboolean    tw_demo_progress_to_fraction (GBinding     *binding,
                                          const GValue *from,
                                          GValue       *to,
                                          gpointer      user_data);

/* A GBindingTransformFunc for TwWorker:state -> a label's text. */
gboolean    tw_demo_state_to_label  (GBinding     *binding,
                                     const GValue *from,
                                     GValue       *to,
                                     gpointer      user_data);

/* Shows @text in a page's status label, styled as an error or not. */
void        tw_demo_set_status      (GtkWidget  *label,
                                     const char *text,
                                     gboolean    is_error);

/* Completes a page's pending script (the --screenshot driver) with @error
 * (taken), or with success when @error is NULL; does nothing if none is
 * pending. */
void        tw_demo_script_return   (GTask     **task,
                                     GError     *error);

G_END_DECLS
