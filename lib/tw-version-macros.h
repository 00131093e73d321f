/* tw-version-macros.h: the export and availability macros of the public API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include <glib.h>

#include "tw-version.h"

#ifndef _TW_EXTERN
# define _TW_EXTERN __attribute__((visibility("default"))) extern
#endif

#define TW_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/* Every exported symbol carries one of these: the library is built with
 * -fvisibility=hidden, so a function without it is private. */
#define TW_AVAILABLE_IN_ALL _TW_EXTERN
#define TW_AVAILABLE_IN_1_0 _TW_EXTERN
