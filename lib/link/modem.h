/* modem.h - Hayes AT modem dialer: drives a modem link (serial, pty) to dial, answer, hang up. */
#ifndef SD_LINK_MODEM_H
#define SD_LINK_MODEM_H

#include "link/at.h"
#include "link/link.h"

/*
 * The modem backend of lib/link. Only modem links (serial://, pty:; see sd_link_url_is_modem())
 * need it. A tcp:// link from the dial plan is already a connection to the terminal (IP modem,
 * terminal server or the simulator), so sd_at_call() only opens it and sd_at_end() only closes
 * it: whoever runs a session over the link never knows whether a call was dialled.
 */

/*
 * The dialer needs verbose result codes (V1, the factory default): it reads a result as a line
 * ending in LF, so nothing of "CONNECT 9600\r\n" is left for the data session. Echo may be on.
 */
typedef struct {
    const char *init;    /* command line sent after ATZ; default "ATE0V1Q0X4" */
    int auto_answer;     /* rings before the modem answers by itself (ATS0=n); 0 = we send ATA */
    int cmd_timeout_ms;  /* wait for a command's result; default 2000 */
    int dial_timeout_ms; /* ATD until CONNECT or failure; default 60000 */
    int guard_ms;        /* silence around "+++": the modem's S12 x 20 ms; default 1000 */
    char dial_mode;      /* 'T' tone, 'P' pulse, 0 the modem's default */
    /* Waits of guard time go through this (tests pass a short guard or a fake); NULL sleeps. */
    void (*sleep_ms)(void *ctx, int ms);
    void *sleep_ctx;
} sd_at_cfg_t;

/* Fill cfg with the defaults above. */
void sd_at_cfg_default(sd_at_cfg_t *cfg);

/*
 * Send one command line (cmd without CR) and wait for its final result, skipping echo and
 * informational lines. Pending input is discarded first. Returns 0 on OK; otherwise the mapping
 * of sd_at_code_err() (SD_EPROTO on ERROR, and on CONNECT: calls go through sd_at_dial() and
 * sd_at_answer()), SD_ETIMEDOUT, or a link error. *res, if not NULL, holds the result seen.
 * cmd must be 1..64 printable characters (SD_EINVAL).
 */
int sd_at_command(sd_link_t *l, const sd_at_cfg_t *cfg, const char *cmd, sd_at_result_t *res);

/* Reset the modem (ATZ), then send cfg->init and ATS0=<auto_answer>. 0 or as sd_at_command(). */
int sd_at_init(sd_link_t *l, const sd_at_cfg_t *cfg);

/*
 * Dial tel (1-20 digits, trailing spaces ignored: the protocol's 12-byte field works) and wait
 * for the call to be set up. Returns 0 when connected (the link now carries data; *speed, if not
 * NULL, is the CONNECT speed or 0), SD_EBUSY, SD_ENOANSWER, SD_ENOCARRIER, SD_ENODIALTONE,
 * SD_EPROTO (ERROR), SD_ETIMEDOUT (no result within dial_timeout_ms: the attempt is aborted),
 * SD_EINVAL for a bad tel, or a link error.
 */
int sd_at_dial(sd_link_t *l, const sd_at_cfg_t *cfg, const char *tel, long *speed);

/*
 * Wait up to timeout_ms for an incoming call and answer it: with cfg->auto_answer == 0 this
 * sends ATA on the first RING, otherwise it waits for the modem's own CONNECT. Returns 0 when
 * connected (*speed as for sd_at_dial()), SD_ETIMEDOUT when no call came, or an error as
 * for sd_at_dial().
 */
int sd_at_answer(sd_link_t *l, const sd_at_cfg_t *cfg, int timeout_ms, long *speed);

/*
 * Hang up: guard time of silence, "+++", wait for OK (at most guard + cmd_timeout), then
 * "ATH". Works also when the remote already dropped the call and the modem is back in command
 * mode. Returns 0 when ATH was acknowledged, or as sd_at_command().
 */
int sd_at_hangup(sd_link_t *l, const sd_at_cfg_t *cfg);

/*
 * Reach tel through the link at url (from the dial plan): open it and, if it is a modem
 * (serial, pty), sd_at_init() and sd_at_dial() it; a tcp:// link is connected by opening.
 * On success *out owns the connected link; end the call with sd_at_end(). On failure *out is
 * NULL and the error is as for sd_link_open() or sd_at_dial().
 */
int sd_at_call(const char *url, const char *tel, const sd_at_cfg_t *cfg, sd_link_t **out);

/* Hang up l if it is a modem link, then close it in any case. NULL-safe. Returns the hang-up's
 * result (0 for tcp). */
int sd_at_end(sd_link_t *l, const sd_at_cfg_t *cfg);

#endif
