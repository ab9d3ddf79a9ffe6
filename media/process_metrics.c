/*
 * process_metrics.c - the process and build series (see process_metrics.h), from /proc/self.
 */
#include "process_metrics.h"

#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *build_version = "unknown";

void media_process_set_version(const char *version)
{
    build_version = version;
}

/* The process's start, in seconds since the epoch: boot time + its start in clock ticks. */
static double start_time(unsigned long long start_ticks, long hz)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    double btime = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "btime ", 6) == 0)
            btime = (double)strtoull(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return btime < 0 ? -1 : btime + (double)start_ticks / (double)hz;
}

void media_process_render(media_buf *out, const char *role)
{
    media_buf_appendf(out,
                      "# HELP mediagate_build_info The running build.\n"
                      "# TYPE mediagate_build_info gauge\n"
                      "mediagate_build_info{version=\"%s\",role=\"%s\"} 1\n",
                      build_version, role);
    long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    /* the fields after the command name, which may hold spaces and parentheses: from the last
     * ')' on, field 3 (state) is first; utime 14, stime 15, starttime 22, vsize 23, rss 24 */
    const char *p = strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long long rss = 0;
    if (p && hz > 0 &&
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
               "%*d %llu %llu %lld",
               &utime, &stime, &start, &vsize, &rss) == 5) {
        media_buf_appendf(out,
                          "# HELP process_cpu_seconds_total User and system CPU time spent.\n"
                          "# TYPE process_cpu_seconds_total counter\n"
                          "process_cpu_seconds_total %.2f\n"
                          "# HELP process_resident_memory_bytes Resident memory size.\n"
                          "# TYPE process_resident_memory_bytes gauge\n"
                          "process_resident_memory_bytes %lld\n"
                          "# HELP process_virtual_memory_bytes Virtual memory size.\n"
                          "# TYPE process_virtual_memory_bytes gauge\n"
                          "process_virtual_memory_bytes %llu\n",
                          (double)(utime + stime) / (double)hz, rss * page, vsize);
        double t = start_time(start, hz);
        if (t >= 0)
            media_buf_appendf(out,
                              "# HELP process_start_time_seconds Start time since the epoch.\n"
                              "# TYPE process_start_time_seconds gauge\n"
                              "process_start_time_seconds %.2f\n",
                              t);
    }
    DIR *d = opendir("/proc/self/fd");
    long fds = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            fds++;
    if (d) {
        closedir(d);
        media_buf_appendf(out,
                          "# HELP process_open_fds Open file descriptors.\n"
                          "# TYPE process_open_fds gauge\n"
                          "process_open_fds %ld\n",
                          fds - 1); /* less the directory's own */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        media_buf_appendf(out,
                          "# HELP process_max_fds Maximum open file descriptors.\n"
                          "# TYPE process_max_fds gauge\n"
                          "process_max_fds %llu\n",
                          (unsigned long long)rl.rlim_cur);
}
