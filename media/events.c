/*
 * events.c - media state changes over Redis pub/sub (see events.h).
 */
#include "events.h"
#include "log.h"
#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void media_events_channel(const char *prefix, char *out, size_t cap)
{
    snprintf(out, cap, "%s:media-events", prefix && prefix[0] ? prefix : "mediagate");
}

media_code media_events_publish(media_redis *r, const char *prefix, const char *id,
                                media_error *err)
{
    char ch[256];
    media_events_channel(prefix, ch, sizeof(ch));
    media_redis_reply *rep = NULL;
    media_code rc = MEDIA_REDIS_RUN(r, &rep, err, "PUBLISH", ch, id);
    media_redis_reply_free(rep);
    return rc;
}

struct media_events_listener {
    char *url;
    char channel[256];
    media_events_fn on_id;
    void *ud;
    atomic_bool stop;
    pthread_t thread;
};

static void nap_ms(media_events_listener *l, long ms)
{
    for (long t = 0; t < ms && !atomic_load(&l->stop); t += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* A pushed reply: ["message", channel, id] -> on_id(id). */
static void deliver(media_events_listener *l, const media_redis_reply *m)
{
    if (media_redis_type_of(m) != MEDIA_REDIS_ARRAY || media_redis_count(m) != 3)
        return;
    size_t kl, il;
    const char *kind = media_redis_str(media_redis_at(m, 0), &kl);
    const char *id = media_redis_str(media_redis_at(m, 2), &il);
    char buf[64];
    if (kind == NULL || kl != 7 || memcmp(kind, "message", 7) != 0 || id == NULL ||
        il >= sizeof(buf) || il == 0)
        return;
    memcpy(buf, id, il);
    buf[il] = '\0';
    l->on_id(l->ud, buf);
}

static void *listen_thread(void *arg)
{
    media_events_listener *l = arg;
    media_redis *r = NULL;
    media_error err;
    long backoff = 200;
    while (!atomic_load(&l->stop)) {
        if (r == NULL) {
            media_redis_reply *ack = NULL;
            r = media_redis_connect(l->url, 2000, &err);
            if (r && MEDIA_REDIS_RUN(r, &ack, &err, "SUBSCRIBE", l->channel) != MEDIA_OK) {
                media_redis_close(r);
                r = NULL;
            }
            media_redis_reply_free(ack);
            if (r == NULL) {
                nap_ms(l, backoff);
                backoff = backoff < 5000 ? backoff * 2 : 5000;
                continue;
            }
            backoff = 200;
            l->on_id(l->ud, "*"); /* anything published while we were away is unknown */
        }
        media_redis_reply *m = NULL;
        if (media_redis_next_push(r, 200, &m, &err) != MEDIA_OK) {
            media_log(MEDIA_LOG_WARN, NULL, NULL, "media events: %s; resubscribing", err.message);
            media_redis_close(r);
            r = NULL;
            continue;
        }
        if (m)
            deliver(l, m);
        media_redis_reply_free(m);
    }
    media_redis_close(r);
    return NULL;
}

media_events_listener *media_events_listen(const char *redis_url, const char *prefix,
                                           media_events_fn on_id, void *ud)
{
    media_events_listener *l = media_calloc(1, sizeof(*l));
    l->url = media_strdup(redis_url);
    media_events_channel(prefix, l->channel, sizeof(l->channel));
    l->on_id = on_id;
    l->ud = ud;
    pthread_create(&l->thread, NULL, listen_thread, l);
    return l;
}

void media_events_listener_stop(media_events_listener *l)
{
    if (l == NULL)
        return;
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    free(l->url);
    free(l);
}
