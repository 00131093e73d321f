/* tw-demo-window.h: the demo viewer's window, a sidebar of pages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_WINDOW (tw_demo_window_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoWindow, tw_demo_window, TW_DEMO, WINDOW, GtkApplicationWindow)

GtkWidget   *tw_demo_window_new          (GtkApplication *application);
/* The page called @name (see tw_demo_window_get_page_names()), or NULL. */
GtkWidget   *tw_demo_window_get_page     (TwDemoWindow   *self,
                                          const char     *name);
void         tw_demo_window_show_page    (TwDemoWindow   *self,
                                          const char     *name);
/* NULL-terminated; static. */
const char * const *tw_demo_window_get_page_names (void);

G_END_DECLS
