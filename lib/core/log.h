/* log.h - one-line structured log records to stderr (or a pluggable sink). */
#ifndef SD_CORE_LOG_H
#define SD_CORE_LOG_H

typedef enum { SD_LOG_DEBUG, SD_LOG_INFO, SD_LOG_WARN, SD_LOG_ERROR } sd_log_level_t;

/* Records below level are dropped. Default SD_LOG_INFO; SUIDO_LOG=debug|info|warn|error sets it. */
void sd_log_set_level(sd_log_level_t level);
/* By name: "debug", "warn", "error"; anything else (and NULL) is info. */
void sd_log_set_level_name(const char *name);

/* Name of the component written in every record ("suidod", "suido-term"). Borrowed. */
void sd_log_set_ident(const char *ident);

/*
 * Write one record: "2026-11-24T01:02:03Z suidod INFO msg". Thread-safe: a record is one write().
 * Messages never contain secrets: callers pass ids, never passwords or tokens.
 */
void sd_log(sd_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sd_debug(...) sd_log(SD_LOG_DEBUG, __VA_ARGS__)
#define sd_info(...)  sd_log(SD_LOG_INFO, __VA_ARGS__)
#define sd_warn(...)  sd_log(SD_LOG_WARN, __VA_ARGS__)
#define sd_error(...) sd_log(SD_LOG_ERROR, __VA_ARGS__)

#endif
