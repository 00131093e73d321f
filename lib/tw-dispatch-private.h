/* tw-dispatch-private.h: the cross-thread event queue. Any thread pushes
 * items; one GSource per owner GMainContext drains them in batches, within a
 * time budget, so one wakeup carries many items and redraw is never starved.
 * An item carries the function that dispatches it: the queue knows nothing
 * of what it carries (the worker's events, tw-worker-private.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TwDispatcher   TwDispatcher;
typedef struct _TwDispatchItem TwDispatchItem;

/* Owner thread: handles @item, the head of @queue (the dispatcher's, or
 * another queue its owner dispatches the same way). The function takes
 * @item out of @queue (g_queue_unlink()) before it calls out to anything
 * that may iterate the context, or else stays first and makes progress: an
 * item that delivers several things one per call stays first until its
 * last, so that a dispatch nested in one of its handlers continues it
 * before anything queued after it. Called again while @item is first. */
typedef void (*TwDispatchFunc) (TwDispatchItem *item,
                                GQueue         *queue);

/* Embedded in what is dispatched. */
struct _TwDispatchItem
{
  GList           link;       /* the dispatcher's until @dispatch is called */
  TwDispatchFunc  dispatch;
};

/* Time one dispatch may spend before it hands the loop back (microseconds). */
#define TW_DISPATCH_BUDGET_USEC 4000

TwDispatcher *_tw_dispatcher_ref_for_context (GMainContext *context);
void          _tw_dispatcher_unref           (TwDispatcher *self);
/* Any thread. Holds @item until it calls item->dispatch on the owner
 * context. Items of one producer are dispatched in the order they were
 * pushed. */
void          _tw_dispatcher_push            (TwDispatcher   *self,
                                              TwDispatchItem *item);

G_END_DECLS
