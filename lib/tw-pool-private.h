/* tw-pool-private.h: a hook into TwPool's slot bookkeeping, exported for the
 * tests only (not part of the API, not in any installed header). It lets a
 * test stop a run's thread at the instant its slot changes hands, to force
 * an interleaving that timing alone produces only now and then.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <threadworker.h>

G_BEGIN_DECLS

/* Called on the run's thread, with no lock held, right before a paused run
 * gives its slot to waiting work (@releasing TRUE) and right before a resumed
 * run takes it back (@releasing FALSE). The slot changes hands when the hook
 * returns. */
typedef void (*TwPoolSlotHook) (TwPool   *pool,
                                TwWorker *worker,
                                gboolean  releasing,
                                gpointer  user_data);

/* Any thread. Sets the hook of @self, or removes it with a NULL @hook. A run
 * already inside the old hook finishes it. */
TW_AVAILABLE_IN_ALL
void _tw_pool_set_slot_hook (TwPool         *self,
                             TwPoolSlotHook  hook,
                             gpointer        user_data);

G_END_DECLS
