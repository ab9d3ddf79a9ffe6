/*
 * usage.c - dependency use as Prometheus text (see usage.h).
 */
#include "usage.h"
#include "db.h"
#include "redis.h"
#include "s3_client.h"

void media_usage_render(media_buf *out, long db_max)
{
    media_db_usage u;
    media_db_usage_get(&u);
    media_buf_appendf(out,
                      "# HELP mediagate_db_connections PostgreSQL connections of this process\n"
                      "# TYPE mediagate_db_connections gauge\n"
                      "mediagate_db_connections{state=\"open\"} %ld\n"
                      "mediagate_db_connections{state=\"busy\"} %ld\n"
                      "# HELP mediagate_db_connections_max the most this process opens\n"
                      "# TYPE mediagate_db_connections_max gauge\n"
                      "mediagate_db_connections_max %ld\n"
                      "# HELP mediagate_db_connects_total PostgreSQL connections made\n"
                      "# TYPE mediagate_db_connects_total counter\n"
                      "mediagate_db_connects_total %llu\n"
                      "# HELP mediagate_db_statements_total PostgreSQL statements sent\n"
                      "# TYPE mediagate_db_statements_total counter\n"
                      "mediagate_db_statements_total %llu\n"
                      "# HELP mediagate_redis_commands_total Redis commands sent\n"
                      "# TYPE mediagate_redis_commands_total counter\n"
                      "mediagate_redis_commands_total %llu\n"
                      "# HELP mediagate_s3_requests_total S3 requests sent\n"
                      "# TYPE mediagate_s3_requests_total counter\n"
                      "mediagate_s3_requests_total %llu\n",
                      u.open, u.busy, db_max, u.connects, u.statements,
                      media_redis_commands_total(), media_s3_requests_total());
}
