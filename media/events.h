/*
 * events.h - "a media record changed state", broadcast over Redis pub/sub so that every
 * replica holding a waiting read for it answers at once (issue 13, item 2).
 *
 * Channel "<prefix>:media-events"; each message is a media id. Publishers (the worker after a
 * row left fetching, serve after a delete) publish after the change committed. A message is a
 * hint, never the truth: a listener re-reads the record from the catalog, and a lost message
 * (Redis down, a listener reconnecting) only delays a waiting read to its own deadline.
 *
 * Thread: media_events_publish uses the caller's connection; a listener is its own thread.
 */
#ifndef MEDIA_EVENTS_H
#define MEDIA_EVENTS_H

#include "error.h"
#include "redis.h"

#include <stddef.h>

/* "<prefix>:media-events" (prefix NULL or "": "mediagate"). */
void media_events_channel(const char *prefix, char *out, size_t cap);

/* PUBLISH id on the channel. Failures are for the caller to log; nothing depends on them. */
media_code media_events_publish(media_redis *r, const char *prefix, const char *id,
                                media_error *err);

/* on_id(ud, id) runs on the listener's thread for every id published; id "*" after the
 * listener (re)subscribed, when messages may have been missed: re-check every waiter. */
typedef void (*media_events_fn)(void *ud, const char *id);

typedef struct media_events_listener media_events_listener;
/* Subscribe on a connection of its own (redis_url as for media_redis_connect), reconnecting
 * with a back-off while Redis is away. url and prefix are copied. */
media_events_listener *media_events_listen(const char *redis_url, const char *prefix,
                                           media_events_fn on_id, void *ud);
/* Stop the thread (within ~200 ms) and free the listener. */
void media_events_listener_stop(media_events_listener *l);

#endif
