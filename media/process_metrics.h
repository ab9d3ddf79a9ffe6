/*
 * process_metrics.h - what every Prometheus client library exports about its process, and the
 * build (issue 26): mediagate_build_info{version,role} 1, process_start_time_seconds,
 * process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds and process_max_fds, read from /proc/self when /metrics is asked.
 */
#ifndef MEDIA_PROCESS_METRICS_H
#define MEDIA_PROCESS_METRICS_H

#include "mem.h"

/* The version mediagate_build_info names (main sets it once at start; "unknown" otherwise).
 * version must outlive the process (a string literal). */
void media_process_set_version(const char *version);

/* Append the series, in the Prometheus text format, for a process of role ("serve",
 * "worker"). A value /proc cannot give is left out, never made up. */
void media_process_render(media_buf *out, const char *role);

#endif
