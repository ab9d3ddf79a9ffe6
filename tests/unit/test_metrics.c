/* test_metrics.c - Prometheus text exposition. */
#include "cmocka_prelude.h"

#include "media/metrics.h"

#include <string.h>

static void test_render(void **st)
{
    (void)st;
    media_metrics *m = media_metrics_new();
    media_metric *a = media_metrics_counter(m, "jobs_total", "Jobs", "class=\"x\"");
    media_metric *b = media_metrics_counter(m, "jobs_total", "Jobs", "class=\"y\"");
    media_metric *g = media_metrics_gauge(m, "inflight", "In flight", NULL);
    static const double bounds[] = {0.1, 1};
    media_metric *h = media_metrics_histogram(m, "dur_seconds", "Duration", NULL, bounds, 2);
    assert_ptr_equal(media_metrics_counter(m, "jobs_total", "Jobs", "class=\"x\""), a);
    media_metric_add(a, 2);
    media_metric_add(b, 1);
    media_metric_set(g, 3);
    media_metric_add(g, -1);
    media_metric_observe(h, 0.05);
    media_metric_observe(h, 0.5);
    media_metric_observe(h, 5);
    media_buf out;
    media_buf_init(&out, 1 << 16);
    media_metrics_render(m, &out);
    const char *want = "# HELP jobs_total Jobs\n# TYPE jobs_total counter\n"
                       "jobs_total{class=\"x\"} 2\njobs_total{class=\"y\"} 1\n"
                       "# HELP inflight In flight\n# TYPE inflight gauge\ninflight 2\n"
                       "# HELP dur_seconds Duration\n# TYPE dur_seconds histogram\n"
                       "dur_seconds_bucket{le=\"0.1\"} 1\ndur_seconds_bucket{le=\"1\"} 2\n"
                       "dur_seconds_bucket{le=\"+Inf\"} 3\ndur_seconds_sum 5.5499999999999998\n"
                       "dur_seconds_count 3\n";
    assert_string_equal(out.data, want);
    media_buf_cleanup(&out);
    media_metrics_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
