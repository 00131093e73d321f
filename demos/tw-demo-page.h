/* tw-demo-page.h: TwDemoPage, what every page of the demo viewer implements
 * so that --screenshot can drive it into a state worth showing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_PAGE (tw_demo_page_get_type ())
G_DECLARE_INTERFACE (TwDemoPage, tw_demo_page, TW_DEMO, PAGE, GtkWidget)

/**
 * TwDemoPageInterface:
 * @script_async: starts the page's own demonstration (as a user would, by
 *   pressing its buttons) and completes once the page shows what it is for;
 *   @n_frames is how many frames a streaming page must have shown by then.
 *   Called and completed on the main thread.
 */
struct _TwDemoPageInterface
{
  GTypeInterface parent_iface;

  void (*script_async) (TwDemoPage          *self,
                        guint                n_frames,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data);
};

void     tw_demo_page_script_async  (TwDemoPage          *self,
                                     guint                n_frames,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean tw_demo_page_script_finish (TwDemoPage          *self,
                                     GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
