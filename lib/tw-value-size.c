/* tw-value-size.c: the sizes of values, for the byte budget of a worker's
 * values waiting for delivery: strings and GBytes are sized here, other
 * types by the functions registered for them (libthreadworker-gtk registers
 * GdkTexture). Any thread: registration takes a lock, lookups a reader lock
 * and only for types that may have a function.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "tw-value-size.h"

typedef struct
{
  GType           type;
  TwValueSizeFunc func;
} SizeFunc;

static GRWLock  size_funcs_lock;
static GArray  *size_funcs;      /* SizeFunc, newest first */
static gint     n_size_funcs;    /* atomic: lookups skip the lock while 0 */

/**
 * tw_value_size_register:
 * @type: a boxed or object type (or any derivable type)
 * @func: (scope forever): tells the size of a value of @type or of a type
 *   derived from it
 *
 * Makes @func tell the size of values of @type for
 * [property@Tw.Worker:max-pending-bytes]. A later registration for the same
 * type, or for a type derived from it, takes precedence. Strings and
 * [struct@GLib.Bytes] are sized without one; libthreadworker-gtk registers
 * `GdkTexture` (width × height × 4) when it is loaded.
 *
 * Any thread. Registrations last as long as the process.
 */
void
tw_value_size_register (GType           type,
                        TwValueSizeFunc func)
{
  SizeFunc entry = { type, func };

  g_return_if_fail (type != G_TYPE_INVALID);
  g_return_if_fail (func != NULL);

  g_rw_lock_writer_lock (&size_funcs_lock);
  if (size_funcs == NULL)
    size_funcs = g_array_new (FALSE, FALSE, sizeof (SizeFunc));
  g_array_prepend_val (size_funcs, entry);
  g_atomic_int_set (&n_size_funcs, (gint) size_funcs->len);
  g_rw_lock_writer_unlock (&size_funcs_lock);
}

/**
 * tw_value_size:
 * @value: a value
 *
 * How many bytes @value keeps alive, as counted against
 * [property@Tw.Worker:max-pending-bytes]: the length of a string, the size
 * of a [struct@GLib.Bytes], what the function registered with
 * [func@Tw.value_size_register] for its type says, and 0 for every other
 * value (numbers, pointers, objects without a function).
 *
 * Any thread.
 *
 * Returns: the size in bytes
 */
gsize
tw_value_size (const GValue *value)
{
  GType type;
  TwValueSizeFunc func = NULL;

  g_return_val_if_fail (G_IS_VALUE (value), 0);

  type = G_VALUE_TYPE (value);
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
      {
        const char *s = g_value_get_string (value);

        return s != NULL ? strlen (s) : 0;
      }
    case G_TYPE_BOXED:
      if (type == G_TYPE_BYTES)
        {
          GBytes *bytes = g_value_get_boxed (value);

          return bytes != NULL ? g_bytes_get_size (bytes) : 0;
        }
      break;
    case G_TYPE_CHAR: case G_TYPE_UCHAR: case G_TYPE_BOOLEAN:
    case G_TYPE_INT: case G_TYPE_UINT: case G_TYPE_LONG: case G_TYPE_ULONG:
    case G_TYPE_INT64: case G_TYPE_UINT64: case G_TYPE_FLOAT: case G_TYPE_DOUBLE:
    case G_TYPE_ENUM: case G_TYPE_FLAGS: case G_TYPE_POINTER:
      return 0;
    default:
      break;
    }

  if (g_atomic_int_get (&n_size_funcs) == 0)
    return 0;

  g_rw_lock_reader_lock (&size_funcs_lock);
  for (guint i = 0; i < size_funcs->len; i++)
    {
      const SizeFunc *entry = &g_array_index (size_funcs, SizeFunc, i);

      if (g_type_is_a (type, entry->type))
        {
          func = entry->func;
          break;
        }
    }
  g_rw_lock_reader_unlock (&size_funcs_lock);

  return func != NULL ? func (value) : 0;
}
