#ifndef DMR_BASE_LOG_H
#define DMR_BASE_LOG_H

/*
 * One line per event on standard error, prefixed with a UTC timestamp and a level, so that
 * systemd, a container runtime or a terminal all keep it as it is. Never log personal data.
 */

void dmr_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) dmr_log("info", __VA_ARGS__)
#define log_warn(...) dmr_log("warn", __VA_ARGS__)
#define log_error(...) dmr_log("error", __VA_ARGS__)

#endif
