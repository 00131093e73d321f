/* tw-demo-page.c: TwDemoPage, what every page of the demo viewer implements
 * so that --screenshot can drive it into a state worth showing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include "tw-demo-page.h"

G_DEFINE_INTERFACE (TwDemoPage, tw_demo_page, GTK_TYPE_WIDGET)

static void
tw_demo_page_default_init (TwDemoPageInterface *iface)
{
}

void
tw_demo_page_script_async (TwDemoPage          *self,
                           guint                n_frames,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (TW_DEMO_IS_PAGE (self));

  TW_DEMO_PAGE_GET_IFACE (self)->script_async (self, n_frames, cancellable,
                                               callback, user_data);
}

gboolean
tw_demo_page_script_finish (TwDemoPage    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
