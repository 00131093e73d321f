/* tw-demo-image-page.h: page 1, a mean projection of random images computed
 * on a generator worker and shown as it builds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TW_DEMO_TYPE_IMAGE_PAGE (tw_demo_image_page_get_type ())
G_DECLARE_FINAL_TYPE (TwDemoImagePage, tw_demo_image_page, TW_DEMO, IMAGE_PAGE, GtkBox)

GtkWidget *tw_demo_image_page_new (void);

G_END_DECLS
