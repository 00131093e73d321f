/* test-pending-bytes.c: TwWorker:max-pending-bytes: under the QUEUE policy
 * the values waiting for the owner are bounded in bytes as well as in
 * number; strings and GBytes are sized by the library, other types by a
 * registered size function or by tw_worker_yield_value_sized().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "tw-test-util.h"

#define MIB (1024 * 1024)

typedef enum
{
  STREAM_BYTES,
  STREAM_STRING,
  STREAM_SIZED_POINTER,
  STREAM_INTS,
} StreamKind;

typedef struct
{
  StreamKind kind;
  guint      n;
  gsize      size;       /* of each value */
  GBytes    *bytes;      /* STREAM_BYTES: the one buffer every value shares */
  char      *string;     /* STREAM_STRING */
  gint       produced;   /* yields that returned, atomic */
} Stream;

static gboolean
stream_step (TwWorker     *worker,
             const GValue *sent,
             gpointer      user_data)
{
  Stream *st = user_data;
  gboolean going_on = FALSE;

  switch (st->kind)
    {
    case STREAM_BYTES:
      {
        g_auto(GValue) value = G_VALUE_INIT;

        g_value_init (&value, G_TYPE_BYTES);
        g_value_set_boxed (&value, st->bytes);
        going_on = tw_worker_yield_value (worker, &value);
      }
      break;
    case STREAM_STRING:
      going_on = tw_worker_yield_string (worker, st->string);
      break;
    case STREAM_SIZED_POINTER:
      {
        g_auto(GValue) value = G_VALUE_INIT;

        g_value_init (&value, G_TYPE_POINTER);
        going_on = tw_worker_yield_value_sized (worker, &value, st->size);
      }
      break;
    case STREAM_INTS:
      going_on = tw_worker_yield_int (worker, 1);
      break;
    default:
      g_assert_not_reached ();
    }
  return going_on && (guint) g_atomic_int_add (&st->produced, 1) + 1 < st->n;
}

typedef struct
{
  Stream *st;
  guint   delivered;
  gint    max_ahead;     /* produced - delivered, seen by the handler */
} Seen;

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            Seen         *seen)
{
  seen->delivered++;
  seen->max_ahead = MAX (seen->max_ahead,
                         g_atomic_int_get (&seen->st->produced) - (gint) seen->delivered);
}

/* Runs @st with the byte budget @budget; returns how far the producer ever
 * got ahead of the owner. */
static gint
run_stream (Stream  *st,
            guint64  budget)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (stream_step, st, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Seen seen = { st, 0, 0 };

  g_assert_cmpuint (tw_worker_get_max_pending_bytes (worker), ==, 32 * MIB);
  tw_worker_set_max_pending_bytes (worker, budget);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), &seen);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str + strlen (rec->log->str) - 2, ==, "RF");
  g_assert_cmpuint (seen.delivered, ==, st->n);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  return seen.max_ahead;
}

static void
test_bytes_values_are_bounded_in_bytes (void)
{
  g_autofree char *data = g_malloc0 (MIB);
  Stream st = { STREAM_BYTES, 64, MIB, g_bytes_new_static (data, MIB), NULL, 0 };

  /* 4 MiB: at most 4 values of 1 MiB wait, far below max-pending-yields. */
  g_assert_cmpint (run_stream (&st, 4 * MIB), <=, 4);
  g_bytes_unref (st.bytes);
}

static void
test_strings_are_bounded_in_bytes (void)
{
  g_autofree char *string = g_strnfill (MIB, 'x');
  Stream st = { STREAM_STRING, 64, MIB, NULL, string, 0 };

  g_assert_cmpint (run_stream (&st, 4 * MIB), <=, 4);
}

static void
test_yield_value_sized_counts_the_given_size (void)
{
  Stream st = { STREAM_SIZED_POINTER, 64, MIB, NULL, NULL, 0 };

  g_assert_cmpint (run_stream (&st, 2 * MIB), <=, 2);
}

static void
test_a_value_bigger_than_the_budget_travels_alone (void)
{
  Stream st = { STREAM_SIZED_POINTER, 32, 8 * MIB, NULL, NULL, 0 };

  g_assert_cmpint (run_stream (&st, MIB), <=, 1);
}

static void
test_small_values_count_no_bytes (void)
{
  g_auto(GValue) value = G_VALUE_INIT;
  Stream st = { STREAM_INTS, 2000, 0, NULL, NULL, 0 };

  g_value_init (&value, G_TYPE_INT64);
  g_assert_cmpuint (tw_value_size (&value), ==, 0);
  /* A budget of one byte does not hold back numbers: they all arrive. */
  run_stream (&st, 1);
}

/* A type with a registered size function, and one derived from it. */
#define TEST_TYPE_FRAME (test_frame_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestFrame, test_frame, TEST, FRAME, GObject)
struct _TestFrameClass { GObjectClass parent_class; };
G_DEFINE_TYPE (TestFrame, test_frame, G_TYPE_OBJECT)
static void test_frame_class_init (TestFrameClass *klass) {}
static void test_frame_init (TestFrame *self) {}

#define TEST_TYPE_BIG_FRAME (test_big_frame_get_type ())
G_DECLARE_FINAL_TYPE (TestBigFrame, test_big_frame, TEST, BIG_FRAME, TestFrame)
struct _TestBigFrame { TestFrame parent_instance; };
G_DEFINE_FINAL_TYPE (TestBigFrame, test_big_frame, TEST_TYPE_FRAME)
static void test_big_frame_class_init (TestBigFrameClass *klass) {}
static void test_big_frame_init (TestBigFrame *self) {}

static gsize
frame_size (const GValue *value)
{
  return 1000;
}

static gsize
big_frame_size (const GValue *value)
{
  return 5000;
}

static void
test_registered_size_functions_size_their_types (void)
{
  g_autoptr(TestFrame) frame = g_object_new (TEST_TYPE_FRAME, NULL);
  g_autoptr(TestBigFrame) big = g_object_new (TEST_TYPE_BIG_FRAME, NULL);
  g_autoptr(GObject) plain = g_object_new (G_TYPE_OBJECT, NULL);
  g_auto(GValue) v_frame = G_VALUE_INIT;
  g_auto(GValue) v_big = G_VALUE_INIT;
  g_auto(GValue) v_plain = G_VALUE_INIT;
  g_auto(GValue) v_bytes = G_VALUE_INIT;
  g_auto(GValue) v_string = G_VALUE_INIT;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("12345", 5);

  g_value_init (&v_frame, TEST_TYPE_FRAME);
  g_value_set_object (&v_frame, frame);
  g_value_init (&v_big, TEST_TYPE_BIG_FRAME);
  g_value_set_object (&v_big, big);
  g_value_init (&v_plain, G_TYPE_OBJECT);
  g_value_set_object (&v_plain, plain);
  g_value_init (&v_bytes, G_TYPE_BYTES);
  g_value_set_boxed (&v_bytes, bytes);
  g_value_init (&v_string, G_TYPE_STRING);
  g_value_set_static_string (&v_string, "abc");

  g_assert_cmpuint (tw_value_size (&v_frame), ==, 0);
  tw_value_size_register (TEST_TYPE_FRAME, frame_size);
  g_assert_cmpuint (tw_value_size (&v_frame), ==, 1000);
  g_assert_cmpuint (tw_value_size (&v_big), ==, 1000);      /* derived */
  tw_value_size_register (TEST_TYPE_BIG_FRAME, big_frame_size);
  g_assert_cmpuint (tw_value_size (&v_big), ==, 5000);      /* more specific, later */
  g_assert_cmpuint (tw_value_size (&v_frame), ==, 1000);
  g_assert_cmpuint (tw_value_size (&v_plain), ==, 0);
  g_assert_cmpuint (tw_value_size (&v_bytes), ==, 5);
  g_assert_cmpuint (tw_value_size (&v_string), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/PendingBytes/bytes-values-are-bounded-in-bytes",
                   test_bytes_values_are_bounded_in_bytes);
  g_test_add_func ("/Tw/PendingBytes/strings-are-bounded-in-bytes",
                   test_strings_are_bounded_in_bytes);
  g_test_add_func ("/Tw/PendingBytes/yield-value-sized-counts-the-given-size",
                   test_yield_value_sized_counts_the_given_size);
  g_test_add_func ("/Tw/PendingBytes/a-value-bigger-than-the-budget-travels-alone",
                   test_a_value_bigger_than_the_budget_travels_alone);
  g_test_add_func ("/Tw/PendingBytes/small-values-count-no-bytes",
                   test_small_values_count_no_bytes);
  g_test_add_func ("/Tw/PendingBytes/registered-size-functions-size-their-types",
                   test_registered_size_functions_size_their_types);

  return g_test_run ();
}
