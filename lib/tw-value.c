/* tw-value.c: TwValue, the values that cross threads, and the shared owner
 * of a pointer value's data. Any thread: whoever holds a value frees it;
 * a shared owner frees the data when its last holder lets go.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-value-private.h"

/* The data of a pointer value that more than one holder keeps alive. */
struct _TwValueOwner
{
  gatomicrefcount ref_count;
  gpointer        data;
  GDestroyNotify  destroy;
};

TwValueOwner *
_tw_value_owner_ref (TwValueOwner *owner)
{
  g_atomic_ref_count_inc (&owner->ref_count);
  return owner;
}

void
_tw_value_owner_unref (gpointer data)
{
  TwValueOwner *owner = data;

  if (!g_atomic_ref_count_dec (&owner->ref_count))
    return;
  owner->destroy (owner->data);
  g_free (owner);
}

TwValueOwner *
_tw_value_share (TwValue *self)
{
  if (self->owner == NULL)
    {
      if (self->destroy == NULL || !G_VALUE_HOLDS_POINTER (&self->value))
        return NULL;
      self->owner = g_new (TwValueOwner, 1);
      g_atomic_ref_count_init (&self->owner->ref_count);
      self->owner->data = g_value_get_pointer (&self->value);
      self->owner->destroy = g_steal_pointer (&self->destroy);
    }
  return _tw_value_owner_ref (self->owner);
}

/* Whether a GValue of @type holds nothing to free: the fundamental types
 * whose value table has no free function. g_value_unset() and G_IS_VALUE()
 * look the type up under GType's global lock, which was a quarter of the
 * owner's work per yielded int. */
static inline gboolean
tw_value_type_is_plain (GType type)
{
  switch (type)
    {
    case G_TYPE_CHAR: case G_TYPE_UCHAR: case G_TYPE_BOOLEAN:
    case G_TYPE_INT: case G_TYPE_UINT: case G_TYPE_LONG: case G_TYPE_ULONG:
    case G_TYPE_INT64: case G_TYPE_UINT64: case G_TYPE_FLOAT: case G_TYPE_DOUBLE:
    case G_TYPE_POINTER:
      return TRUE;
    default:
      return FALSE;
    }
}

void
_tw_value_clear (TwValue *self)
{
  GType type = G_VALUE_TYPE (&self->value);

  if (self->owner != NULL)
    g_clear_pointer (&self->owner, _tw_value_owner_unref);
  else if (self->destroy != NULL && G_VALUE_HOLDS_POINTER (&self->value))
    self->destroy (g_value_get_pointer (&self->value));
  self->destroy = NULL;
  if (type == G_TYPE_INVALID)
    return;
  if (tw_value_type_is_plain (type))
    self->value = (GValue) G_VALUE_INIT;
  else
    g_value_unset (&self->value);
}
