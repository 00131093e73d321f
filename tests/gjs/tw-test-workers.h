/* tw-test-workers.h: C workers for the binding tests (namespace TwTest):
 * what an application's C library would expose to JavaScript.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <threadworker.h>

G_BEGIN_DECLS

TwWorker *tw_test_nothing_worker_new           (void);
TwWorker *tw_test_yield_then_nothing_worker_new (guint n_values);

G_END_DECLS
