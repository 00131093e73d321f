/* tw-demo-errors-page.h: page 3, a worker that fails part-way, its error shown in the window.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_ERRORS_PAGE (tw_demo_errors_page_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoErrorsPage, tw_demo_errors_page, TW_DEMO, ERRORS_PAGE, GtkBox)

GtkWidget *tw_demo_errors_page_new (void);

G_END_DECLS
