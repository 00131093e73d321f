/* tw-gtk-value-size.c: the size of a GdkTexture for the byte budget of
 * values waiting for delivery (TwWorker:max-pending-bytes). Registered with
 * the core library when libthreadworker-gtk is loaded; the core links no
 * GTK. The size function runs on worker threads: it only reads the
 * texture's immutable width and height.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "threadworker-gtk.h"

static gsize
texture_size (const GValue *value)
{
  GdkTexture *texture = g_value_get_object (value);

  if (texture == NULL)
    return 0;
  /* What the pixels of a texture need once uploaded (4 bytes a pixel), and
   * about what a memory texture holds. */
  return (gsize) gdk_texture_get_width (texture) * (gsize) gdk_texture_get_height (texture) * 4;
}

/**
 * tw_gtk_register_value_sizes:
 *
 * Registers the sizes of GTK's values with [func@Tw.value_size_register]:
 * a `GdkTexture` counts width × height × 4 bytes against
 * [property@Tw.Worker:max-pending-bytes]. Called when libthreadworker-gtk is
 * loaded; calling it again does nothing.
 *
 * Any thread.
 */
void
tw_gtk_register_value_sizes (void)
{
  static gsize registered;

  if (g_once_init_enter (&registered))
    {
      tw_value_size_register (GDK_TYPE_TEXTURE, texture_size);
      g_once_init_leave (&registered, 1);
    }
}

__attribute__((constructor)) static void
tw_gtk_value_size_init (void)
{
  tw_gtk_register_value_sizes ();
}
