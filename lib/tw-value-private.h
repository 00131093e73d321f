/* tw-value-private.h: TwValue, a value crossing threads (a GValue, and who
 * frees the data of a pointer value). Any thread: a value has one holder at
 * a time, its shared owner is reference counted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TwValueOwner TwValueOwner;

/* A value crossing threads. A G_TYPE_POINTER value may own its pointer
 * through @destroy, called by tw_value_clear() on whatever thread drops it,
 * or share it through @owner (then @destroy is NULL) with the run_async
 * calls that returned it: the last one to let go frees it. */
typedef struct
{
  GValue         value;
  GDestroyNotify destroy;
  TwValueOwner  *owner;
} TwValue;

#define TW_VALUE_INIT { G_VALUE_INIT, NULL, NULL }

void _tw_value_clear (TwValue *self);

/* Inline: the yield and the dispatch of every value move it. */
static inline void
_tw_value_move (TwValue *dest,
                TwValue *src)
{
  _tw_value_clear (dest);
  *dest = *src;
  *src = (TwValue) TW_VALUE_INIT;
}

static inline void
_tw_value_init_copy (TwValue      *self,
                     const GValue *value)
{
  *self = (TwValue) TW_VALUE_INIT;
  g_value_init (&self->value, G_VALUE_TYPE (value));
  g_value_copy (value, &self->value);
}

/* Owner thread: shares the ownership of @self's data, if it owns some;
 * returns a new reference to its owner, or NULL. */
TwValueOwner *_tw_value_share       (TwValue      *self);
TwValueOwner *_tw_value_owner_ref   (TwValueOwner *owner);
/* Takes a TwValueOwner; a GDestroyNotify. */
void          _tw_value_owner_unref (gpointer      owner);

G_END_DECLS
