/* tw-dispatch-private.h: the cross-thread event queue. Worker threads push
 * events; one GSource per owner GMainContext drains them in batches, within a
 * time budget, so one wakeup carries many events and redraw is never starved.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TwDispatcher TwDispatcher;
typedef struct _TwEvent      TwEvent;

/* Time one dispatch may spend before it hands the loop back (microseconds). */
#define TW_DISPATCH_BUDGET_USEC 4000

TwDispatcher *_tw_dispatcher_ref_for_context (GMainContext *context);
void          _tw_dispatcher_unref           (TwDispatcher *self);
/* Any thread. Takes ownership of @event. Events of one producer are
 * dispatched in the order they were pushed. */
void          _tw_dispatcher_push            (TwDispatcher *self,
                                              TwEvent      *event);

G_END_DECLS
