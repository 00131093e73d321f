/* tw-demo-workers-page.h: page 5, the pool's live workers in a list, with a cancel button per row.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_WORKERS_PAGE (tw_demo_workers_page_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoWorkersPage, tw_demo_workers_page, TW_DEMO, WORKERS_PAGE, GtkBox)

GtkWidget *tw_demo_workers_page_new (void);

G_END_DECLS
