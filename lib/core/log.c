/* log.c - stderr logger; one write() per record so concurrent threads never interleave. */
#include "core/log.h"

#include "core/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sd_log_level_t min_level = SD_LOG_INFO;
static int level_from_env = 0;
static const char *ident = "suido";

static void read_env(void)
{
    if (level_from_env)
        return;
    level_from_env = 1;
    const char *e = getenv("SUIDO_LOG");
    if (!e)
        return;
    if (!strcmp(e, "debug"))
        min_level = SD_LOG_DEBUG;
    else if (!strcmp(e, "warn"))
        min_level = SD_LOG_WARN;
    else if (!strcmp(e, "error"))
        min_level = SD_LOG_ERROR;
}

void sd_log_set_level(sd_log_level_t level)
{
    level_from_env = 1;
    min_level = level;
}

void sd_log_set_ident(const char *id)
{
    ident = id ? id : "suido";
}

void sd_log(sd_log_level_t level, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    read_env();
    if (level < min_level)
        return;
    char line[2048];
    char ts[32];
    sd_iso8601_format((int64_t)time(NULL), ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s %s %s ", ts, ident, names[level]);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void sd_log_set_level_name(const char *name)
{
    sd_log_set_level(!name                    ? SD_LOG_INFO
                     : !strcmp(name, "debug") ? SD_LOG_DEBUG
                     : !strcmp(name, "warn")  ? SD_LOG_WARN
                     : !strcmp(name, "error") ? SD_LOG_ERROR
                                              : SD_LOG_INFO);
}
