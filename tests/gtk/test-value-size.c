/* test-value-size.c: libthreadworker-gtk sizes GdkTexture for
 * TwWorker:max-pending-bytes (width × height × 4) from the moment it is
 * loaded, so a stream of textures is bounded in bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <threadworker-gtk.h>

#include "tw-test-util.h"

static GdkTexture *
new_texture (int width,
             int height)
{
  gsize stride = (gsize) width * 4;
  g_autoptr(GBytes) pixels = g_bytes_new_take (g_malloc0 (stride * height), stride * height);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, stride);
}

static void
test_a_texture_counts_its_pixels (void)
{
  g_autoptr(GdkTexture) texture = new_texture (64, 32);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  /* Registered when the library was loaded; registering again is harmless. */
  g_assert_cmpuint (tw_value_size (&value), ==, 64 * 32 * 4);
  tw_gtk_register_value_sizes ();
  g_assert_cmpuint (tw_value_size (&value), ==, 64 * 32 * 4);
}

typedef struct
{
  GdkTexture *texture;   /* 256×256: 256 KiB */
  guint       n;
  gint        produced;  /* atomic */
  guint       delivered;
  gint        max_ahead;
} Stream;

static gboolean
texture_step (TwWorker     *worker,
              const GValue *sent,
              gpointer      user_data)
{
  Stream *st = user_data;

  if (!tw_worker_yield_object (worker, st->texture))
    return FALSE;
  return (guint) g_atomic_int_add (&st->produced, 1) + 1 < st->n;
}

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            Stream       *st)
{
  st->delivered++;
  st->max_ahead = MAX (st->max_ahead, g_atomic_int_get (&st->produced) - (gint) st->delivered);
}

static void
test_a_texture_stream_is_bounded_in_bytes (void)
{
  Stream st = { new_texture (256, 256), 64, 0, 0, 0 };
  g_autoptr(TwWorker) worker = tw_generator_worker_new (texture_step, &st, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_set_max_pending_bytes (worker, 1024 * 1024);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), &st);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (st.delivered, ==, 64);
  g_assert_cmpint (st.max_ahead, <=, 4);   /* 1 MiB / 256 KiB */
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  g_object_unref (st.texture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/TwGtk/ValueSize/a-texture-counts-its-pixels",
                   test_a_texture_counts_its_pixels);
  g_test_add_func ("/TwGtk/ValueSize/a-texture-stream-is-bounded-in-bytes",
                   test_a_texture_stream_is_bounded_in_bytes);

  return g_test_run ();
}
