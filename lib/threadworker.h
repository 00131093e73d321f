/* threadworker.h: the one header applications include.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#define TW_INSIDE
# include "tw-version.h"
# include "tw-version-macros.h"
# include "tw-enums.h"
# include "tw-value-size.h"
# include "tw-worker.h"
# include "tw-function-worker.h"
# include "tw-generator-worker.h"
# include "tw-subprocess-worker.h"
# include "tw-pool.h"
#undef TW_INSIDE
