/* tw-demo-subprocess-page.h: page 4, a command's output streamed into a list
 * by a subprocess worker, with pause and stop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_SUBPROCESS_PAGE (tw_demo_subprocess_page_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoSubprocessPage, tw_demo_subprocess_page, TW_DEMO, SUBPROCESS_PAGE, GtkBox)

GtkWidget *tw_demo_subprocess_page_new (void);

G_END_DECLS
