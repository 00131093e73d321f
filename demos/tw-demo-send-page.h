/* tw-demo-send-page.h: page 2, napari's cumulative multiplier: values sent into a paused generator.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_SEND_PAGE (tw_demo_send_page_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoSendPage, tw_demo_send_page, TW_DEMO, SEND_PAGE, GtkBox)

GtkWidget *tw_demo_send_page_new (void);

G_END_DECLS
