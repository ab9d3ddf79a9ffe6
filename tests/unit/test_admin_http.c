/* test_admin_http.c - the admin port: request parsing, listen addresses, and (issue 15,
 * defect 3) that no slow or idle client can keep a probe from being answered. The server
 * runs on 127.0.0.1:26090 inside this test process. */
#include "cmocka_prelude.h"

#include "media/admin_http.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT 26090

static int parse(const char *head, char *path)
{
    return media_admin_parse_request(head, strlen(head), path, 64);
}

static void test_requests(void **st)
{
    (void)st;
    char path[64];
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", path), 0);
    assert_string_equal(path, "/metrics");
    assert_int_equal(parse("GET /ready?x=1 HTTP/1.0\r\n\r\n", path), 0);
    assert_string_equal(path, "/ready");
    assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n", path), 405);
    assert_int_equal(parse("GET metrics HTTP/1.1\r\n\r\n", path), 400);
    assert_int_equal(parse("GET /a\x01 HTTP/1.1\r\n\r\n", path), 400);
    assert_int_equal(parse("GET /x SPDY/3\r\n\r\n", path), 400);
    assert_int_equal(parse("garbage", path), 400);
    char big[200];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    memcpy(big + 150, " HTTP/1.1\r\n\r\n", 14);
    assert_int_equal(media_admin_parse_request(big, 164, path, 64), 400); /* path too long */
}

static void test_listen(void **st)
{
    (void)st;
    char host[64];
    int port;
    media_error err;
    const char *v = "MEDIAGATE_WORKER_LISTEN";
    assert_int_equal(media_admin_parse_listen(v, "127.0.0.1:9464", host, &port, &err), MEDIA_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9464);
    assert_int_equal(media_admin_parse_listen(v, "[::1]:80", host, &port, &err), MEDIA_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(media_admin_parse_listen(v, "9464", host, &port, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, v)); /* the message names the variable */
    assert_int_equal(media_admin_parse_listen(v, "h:0", host, &port, &err), MEDIA_ERR_CONFIG);
}

static int handler(void *ud, const char *path, media_buf *body, const char **ctype)
{
    (void)ud;
    (void)ctype;
    if (strcmp(path, "/health") != 0)
        return 404;
    media_buf_appends(body, "{\"status\":\"ok\"}\n");
    return 200;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* GET /health on a fresh connection; the status, or -1. */
static int probe(void)
{
    int fd = dial();
    const char *req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[512];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = '\0';
    int status = -1;
    sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

static atomic_bool drip_stop;
static atomic_int drip_closed_ms; /* how long after connecting the server closed it */

/* The attack: a request head sent one byte every 150 ms. */
static void *dripper(void *arg)
{
    (void)arg;
    int fd = dial();
    double t0 = now_s();
    const char *req =
        "GET /health HTTP/1.1\r\nHost: slow\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    for (size_t i = 0; !atomic_load(&drip_stop); i = (i + 1) % strlen(req)) {
        if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 150) > 0) { /* the server closed it (EOF) */
            char c;
            if (read(fd, &c, 1) <= 0)
                break;
        }
    }
    atomic_store(&drip_closed_ms, (int)((now_s() - t0) * 1000));
    close(fd);
    return NULL;
}

static void test_a_slow_client_cannot_starve_the_port(void **st)
{
    (void)st;
    media_error err;
    media_admin_http *s = media_admin_http_start("127.0.0.1", PORT, handler, NULL, &err);
    assert_non_null(s);
    pthread_t t;
    atomic_store(&drip_closed_ms, -1);
    pthread_create(&t, NULL, dripper, NULL);
    usleep(300 * 1000);          /* the slow request is in progress */
    for (int i = 0; i < 20; i++) /* every probe is answered meanwhile */
        assert_int_equal(probe(), 200);
    /* and the slow client is cut at the whole-request deadline, not after minutes */
    for (int i = 0; i < 100 && atomic_load(&drip_closed_ms) < 0; i++)
        usleep(50 * 1000);
    atomic_store(&drip_stop, true);
    pthread_join(t, NULL);
    int closed = atomic_load(&drip_closed_ms);
    assert_true(closed >= MEDIA_ADMIN_DEADLINE_MS - 100 && closed < MEDIA_ADMIN_DEADLINE_MS + 1500);
    media_admin_http_stop(s);
}

static void test_idle_connections_beyond_the_table_do_not_lock_it(void **st)
{
    (void)st;
    media_error err;
    media_admin_http *s = media_admin_http_start("127.0.0.1", PORT, handler, NULL, &err);
    assert_non_null(s);
    int idle[MEDIA_ADMIN_MAX_CONNS * 2];
    for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS * 2; i++)
        idle[i] = dial(); /* connect and say nothing */
    usleep(100 * 1000);
    assert_int_equal(probe(), 200); /* the oldest idle one made room */
    for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS * 2; i++)
        close(idle[i]);
    /* oversize and malformed heads get their status */
    int fd = dial();
    char big[MEDIA_ADMIN_HEAD_MAX - 1]; /* a full head without an end; all of it is read, so
                                          the close cannot turn into a reset */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    ssize_t w = send(fd, big, sizeof(big), MSG_NOSIGNAL);
    assert_true(w > 0);
    char buf[256] = "";
    ssize_t r = read(fd, buf, sizeof(buf) - 1);
    assert_true(r > 0);
    assert_non_null(strstr(buf, "HTTP/1.1 400"));
    close(fd);
    media_admin_http_stop(s);
}

static void test_probe_urls(void **st)
{
    (void)st;
    char host[64], path[256];
    int port;
    assert_true(media_admin_url_parse("http://127.0.0.1:9465/health", host, &port, path));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9465);
    assert_string_equal(path, "/health");
    assert_true(media_admin_url_parse("http://[::1]:9464", host, &port, path));
    assert_string_equal(host, "::1");
    assert_string_equal(path, "/");
    assert_true(media_admin_url_parse("http://localhost/ready?x=1", host, &port, path));
    assert_int_equal(port, 80);
    assert_string_equal(path, "/ready?x=1");
    const char *bad[] = {"https://h/health", "http://",      "http://:80/", "http://h:0/",
                         "http://h:99999/",  "http://[::1/", "h:80/health", "http://h/a b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(media_admin_url_parse(bad[i], host, &port, path));
}

/* the health check command's client against the real responder, and against nothing */
static void test_probe_against_a_server(void **st)
{
    (void)st;
    media_error err;
    media_admin_http *s = media_admin_http_start("127.0.0.1", PORT, handler, NULL, &err);
    assert_non_null(s);
    int status;
    assert_int_equal(media_admin_http_probe("http://127.0.0.1:26090/health", 2000, &status, &err),
                     MEDIA_OK);
    assert_int_equal(status, 200);
    assert_int_equal(media_admin_http_probe("http://127.0.0.1:26090/nope", 2000, &status, &err),
                     MEDIA_OK);
    assert_int_equal(status, 404);
    media_admin_http_stop(s);
    assert_int_equal(media_admin_http_probe("http://127.0.0.1:26090/health", 2000, &status, &err),
                     MEDIA_ERR_NETWORK); /* nothing listens any more: refused */
    assert_int_equal(media_admin_http_probe("ftp://x/", 2000, &status, &err), MEDIA_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_a_slow_client_cannot_starve_the_port),
        cmocka_unit_test(test_idle_connections_beyond_the_table_do_not_lock_it),
        cmocka_unit_test(test_probe_urls),
        cmocka_unit_test(test_probe_against_a_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
