/* at.h - Hayes AT protocol text, pure: result codes and a modem emulator (the modem's side). */
#ifndef SD_LINK_AT_H
#define SD_LINK_AT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * What a Hayes modem says and understands, with no I/O: the dialer that drives a real modem over
 * a link is link/modem.h; the emulator below is what the terminal simulator puts behind a pty.
 * Both belong to the modem (the link), not to the L2/L3 line protocol carried once connected.
 */

/* Longest command line (after which a modem answers ERROR); the dialer sends no longer one. */
#define SD_AT_CMD_MAX 64

/* Result codes; the values are the Hayes numeric (ATV0) codes. */
typedef enum {
    SD_AT_OK = 0,
    SD_AT_CONNECT = 1,
    SD_AT_RING = 2,
    SD_AT_NO_CARRIER = 3,
    SD_AT_ERROR = 4,
    SD_AT_NO_DIALTONE = 6,
    SD_AT_BUSY = 7,
    SD_AT_NO_ANSWER = 8,
} sd_at_code_t;

typedef struct {
    sd_at_code_t code;
    long speed; /* CONNECT only: the bps reported, 0 when not given */
} sd_at_result_t;

/*
 * Parse one line from a modem as a result code. Pure. Leading and trailing CR, LF and spaces
 * are ignored; words match case-insensitively; verbose ("CONNECT 33600/ARQ", "NO DIAL TONE")
 * and numeric ("0", "12" = CONNECT 9600) forms are understood.
 * Returns 0 with *out filled, SD_ESYNTAX for a line that is not a result code (command echo,
 * "CARRIER 28800", "PROTOCOL: LAPM", blank) which a dialer skips, or SD_EFIELD for a CONNECT
 * whose speed is absurd.
 */
int sd_at_result_parse(const char *buf, size_t len, sd_at_result_t *out);

/* The verbose text of a code ("NO CARRIER"); "?" for values outside the enum. */
const char *sd_at_code_str(sd_at_code_t code);

/*
 * What a result means for a call: 0 for OK, CONNECT and RING; SD_EBUSY (BUSY), SD_ENOANSWER
 * (NO ANSWER), SD_ENOCARRIER (NO CARRIER), SD_ENODIALTONE (NO DIALTONE), SD_EPROTO (ERROR: the
 * modem refused the command).
 */
int sd_at_code_err(sd_at_code_t code);

/* --- modem emulator: the modem side, for the terminal simulator --------------------------- */

/*
 * A pure state machine: it never reads a clock or does I/O. The caller feeds it the bytes from
 * the DTE (the serial side) with the current monotonic time, and collects what the modem sends
 * back to the DTE (echo, result codes, data from the remote) and what it puts on the phone line
 * (data from the DTE in data mode). Commands known: A D E H I L M O Q S V X Z &C &D &F &K &W;
 * anything else answers ERROR. The escape is S2 ('+') three times with S12 x 20 ms of silence
 * before and after, each '+' within the guard of the previous one; pluses that turn out to be
 * data are passed on late but in order.
 */
typedef struct sd_at_modem sd_at_modem_t;

/*
 * Asked on ATD: can number (digits, '*' and '#' only, NUL-terminated) be reached? Return
 * SD_AT_CONNECT to connect, or SD_AT_BUSY, SD_AT_NO_ANSWER, SD_AT_NO_CARRIER, SD_AT_NO_DIALTONE.
 */
typedef sd_at_code_t (*sd_at_dial_fn)(void *ctx, const char *number);

typedef struct {
    sd_at_dial_fn dial; /* NULL: every dial gets NO CARRIER */
    void *ctx;
    long speed; /* reported in CONNECT; default 9600 */
} sd_at_modem_cfg_t;

typedef enum {
    SD_AT_MODE_COMMAND,        /* no call: bytes are commands */
    SD_AT_MODE_DATA,           /* call up: bytes go to the line */
    SD_AT_MODE_ONLINE_COMMAND, /* call up, escaped with +++: bytes are commands, ATO resumes */
} sd_at_mode_t;

/* Events returned (or-ed) by the feeding functions. */
#define SD_AT_EV_CONNECT 0x1 /* a call was set up (ATD, ATA or auto-answer): data mode */
#define SD_AT_EV_HANGUP  0x2 /* the DTE ended the call (ATH, ATZ, &F online) */
#define SD_AT_EV_ESCAPE  0x4 /* +++ accepted: online command mode */
#define SD_AT_EV_RESUME  0x8 /* ATO: back to data mode */

/* New modem with factory settings (E1 V1 Q0, S0=0, S12=50). Borrows cfg's ctx. */
int sd_at_modem_new(const sd_at_modem_cfg_t *cfg, sd_at_modem_t **out);

/* NULL-safe. */
void sd_at_modem_free(sd_at_modem_t *m);

/*
 * Bytes from the DTE, received at now_ms. Appends to to_dte and to_line. Returns the events
 * (>= 0) or SD_ENOMEM. Pending escape timing is settled at now_ms before the bytes are taken.
 */
int sd_at_modem_input(sd_at_modem_t *m, const void *buf, size_t len, int64_t now_ms,
                      sd_buf_t *to_dte, sd_buf_t *to_line);

/*
 * Let time pass to now_ms: completes an escape or releases held pluses as data. Call it when
 * sd_at_modem_deadline() is reached. Returns events or SD_ENOMEM.
 */
int sd_at_modem_tick(sd_at_modem_t *m, int64_t now_ms, sd_buf_t *to_dte, sd_buf_t *to_line);

/* The time at which sd_at_modem_tick() has something to do, or -1 if none. */
int64_t sd_at_modem_deadline(const sd_at_modem_t *m);

/* Bytes from the remote end of the call: passed to to_dte in data mode, dropped otherwise. */
int sd_at_modem_line_input(sd_at_modem_t *m, const void *buf, size_t len, sd_buf_t *to_dte);

/*
 * An incoming call rings once at now_ms: emits RING and counts S1; answers by itself when S0 > 0
 * and S1 reaches it (returns SD_AT_EV_CONNECT). Returns SD_EBUSY while a call is up.
 */
int sd_at_modem_ring(sd_at_modem_t *m, int64_t now_ms, sd_buf_t *to_dte);

/* The remote hung up (or stopped ringing): NO CARRIER to the DTE if a call was up. */
int sd_at_modem_remote_hangup(sd_at_modem_t *m, sd_buf_t *to_dte);

sd_at_mode_t sd_at_modem_mode(const sd_at_modem_t *m);

/* S-register n (0..31), or SD_EINVAL. */
int sd_at_modem_sreg(const sd_at_modem_t *m, int n);

#endif
