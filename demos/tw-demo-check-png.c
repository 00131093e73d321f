/* tw-demo-check-png.c: checks that a screenshot of the demo viewer is a real
 * picture: it decodes, is window-sized, and is far from uniform.
 *
 * Usage: tw-demo-check-png FILE.png
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>

#include <gtk/gtk.h>

#define MIN_WIDTH      400
#define MIN_HEIGHT     300
#define MIN_STDDEV     12.0   /* of the luminance, 0-255 */
#define MIN_COLORS     200    /* distinct RGB values */
#define MIN_OPAQUE     0.95   /* a window covers its whole picture */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) colors = NULL;
  g_autofree guchar *pixels = NULL;
  int width, height;
  gsize stride;
  double sum = 0.0, sum_sq = 0.0, mean, stddev;
  guint n_colors;
  gsize n_opaque = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s FILE.png\n", argv[0]);
      return 2;
    }

  texture = gdk_texture_new_from_filename (argv[1], &error);
  if (texture == NULL)
    {
      g_printerr ("%s: cannot decode: %s\n", argv[1], error->message);
      return 1;
    }

  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  stride = (gsize) width * 4;
  pixels = g_malloc (stride * height);
  /* GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied, native endian. */
  gdk_texture_download (texture, pixels, stride);

  colors = g_hash_table_new (NULL, NULL);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guchar *p = pixels + y * stride + x * 4;
        double luma = 0.0722 * p[0] + 0.7152 * p[1] + 0.2126 * p[2];
        guint rgb = p[0] | (p[1] << 8) | (p[2] << 16);

        /* Only what is really drawn counts. */
        if (p[3] != 255)
          continue;
        n_opaque++;
        sum += luma;
        sum_sq += luma * luma;
        g_hash_table_add (colors, GUINT_TO_POINTER (rgb + 1));
      }

  mean = sum / MAX (n_opaque, 1);
  stddev = sqrt (MAX (0.0, sum_sq / MAX (n_opaque, 1) - mean * mean));
  n_colors = g_hash_table_size (colors);

  g_print ("%s: %dx%d, %.1f%% opaque, luminance mean %.1f, stddev %.1f, "
           "%u distinct colours\n", argv[1], width, height,
           100.0 * n_opaque / ((double) width * height), mean, stddev, n_colors);

  if (width < MIN_WIDTH || height < MIN_HEIGHT)
    {
      g_printerr ("too small: expected at least %d×%d\n", MIN_WIDTH, MIN_HEIGHT);
      return 1;
    }
  if (n_opaque < MIN_OPAQUE * width * height)
    {
      g_printerr ("mostly transparent: the window did not draw its content\n");
      return 1;
    }
  if (stddev < MIN_STDDEV)
    {
      g_printerr ("nearly uniform: luminance stddev %.1f < %.1f\n", stddev, MIN_STDDEV);
      return 1;
    }
  if (n_colors < MIN_COLORS)
    {
      g_printerr ("too few colours: %u < %d\n", n_colors, MIN_COLORS);
      return 1;
    }

  return 0;
}
