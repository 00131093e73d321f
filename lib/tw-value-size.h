/* tw-value-size.h: how many bytes a value keeps alive, for the byte budget
 * of the values waiting for delivery (TwWorker:max-pending-bytes).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include <glib-object.h>

#include "tw-version-macros.h"

G_BEGIN_DECLS

/**
 * TwValueSizeFunc:
 * @value: a value of the type the function was registered for
 *
 * Tells how many bytes @value keeps alive (its pixels, its buffer). Called
 * on the worker thread that yields the value; it must be thread-safe and
 * quick.
 *
 * Returns: the size in bytes; 0 for "small"
 */
typedef gsize (*TwValueSizeFunc) (const GValue *value);

TW_AVAILABLE_IN_ALL
void  tw_value_size_register (GType            type,
                              TwValueSizeFunc  func);
TW_AVAILABLE_IN_ALL
gsize tw_value_size          (const GValue    *value);

G_END_DECLS
