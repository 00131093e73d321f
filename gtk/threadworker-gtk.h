/* threadworker-gtk.h: the GTK 4 companion of threadworker, the one header
 * applications include for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <threadworker.h>

G_BEGIN_DECLS

#ifndef _TW_GTK_EXTERN
# define _TW_GTK_EXTERN __attribute__((visibility("default"))) extern
#endif
#define TW_GTK_AVAILABLE_IN_ALL _TW_GTK_EXTERN

/* Time one frame may spend delivering QUEUE values, all synced workers of
 * a frame clock together (microseconds). */
#define TW_GTK_FRAME_BUDGET_USEC 4000

TW_GTK_AVAILABLE_IN_ALL
void tw_gtk_sync_to_frames (TwWorker  *worker,
                            GtkWidget *widget);
TW_GTK_AVAILABLE_IN_ALL
void tw_gtk_register_value_sizes (void);

G_END_DECLS
