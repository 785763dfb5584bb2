/* dialplan.h - the dial plan: which link URL reaches a terminal's 12-digit tel number. */
#ifndef SD_LINK_DIALPLAN_H
#define SD_LINK_DIALPLAN_H

#include <stddef.h>

/*
 * Text format, one rule per line; blank lines and lines starting with '#' are ignored, and a
 * '#' token ends a line early:
 *
 *   # tel pattern   link URL
 *   0312345678      tcp://10.1.2.3:4001              exact number
 *   0467*           serial:///dev/ttyUSB0?baud=2400  prefix: every number starting 0467
 *   *               serial:///dev/ttyS0?baud=9600    default for any number
 *   0599*           tcp://ts-{tel}.example:7000      {tel} is replaced by the dialled digits
 *
 * Patterns are 1-12 digits, optionally followed by '*', or a lone '*'. An exact rule beats any
 * prefix rule; among prefix rules the longest wins. A pattern may appear only once.
 *
 * What the URL means to the caller: a tcp:// URL reaches the terminal directly (IP modem,
 * terminal server, the simulator) and is connected once opened; a serial:// or pty: URL is a
 * modem, which the center dials with link/modem.h (ATD<tel>) after opening it
 * (see sd_link_url_is_modem()).
 */
typedef struct sd_dialplan sd_dialplan_t;

/* Where parsing failed: 1-based line, the SD_E* code, and a short English reason. */
typedef struct {
    int line;
    int code;
    char msg[96];
} sd_dialplan_error_t;

#define SD_DIALPLAN_LINE_MAX  1024 /* bytes per line, without the newline */
#define SD_DIALPLAN_RULES_MAX 100000

/*
 * Parse a dial plan from len bytes of buf (need not be NUL-terminated). Pure: no I/O.
 * On success *out owns the plan (free with sd_dialplan_free()). On failure *out is NULL, err
 * (if not NULL) says where, and the return is one of:
 *   SD_EENCODING  a NUL, control or non-ASCII byte
 *   SD_ETOOBIG    a line longer than SD_DIALPLAN_LINE_MAX, or too many rules
 *   SD_ESYNTAX    a pattern without a URL, or text after the URL
 *   SD_EFIELD     a bad pattern (non-digit, more than 12 digits, '*' not last) or a bad URL
 *                 (malformed for its scheme, or an unknown {placeholder})
 *   SD_EUNSUPPORTED  a URL scheme no link backend handles
 *   SD_EEXIST     a pattern given twice
 *   SD_ENOMEM
 */
int sd_dialplan_parse(const char *buf, size_t len, sd_dialplan_t **out, sd_dialplan_error_t *err);

/*
 * The URL for tel, written NUL-terminated into url (size bytes). tel is a NUL-terminated string
 * of 1-12 digits, optionally followed by spaces: the protocol's 12-byte field copied into a
 * char[13] works as is. Returns 0, SD_EINVAL (tel is not that), SD_ENOTFOUND (no rule matches),
 * or SD_ETOOBIG (url too small; url then holds "").
 */
int sd_dialplan_lookup(const sd_dialplan_t *dp, const char *tel, char *url, size_t size);

/* Number of rules in the plan. */
size_t sd_dialplan_count(const sd_dialplan_t *dp);

/* NULL-safe. */
void sd_dialplan_free(sd_dialplan_t *dp);

#endif
