/* call.h - a center's blocking call to one terminal: connect or dial, requests, EOT, hang-up. */
#ifndef SD_CALL_CALL_H
#define SD_CALL_CALL_H

#include "core/buf.h"
#include "line/session.h"
#include "line/text.h"
#include "link/dialplan.h"
#include "link/link.h"
#include "link/modem.h"

/*
 * Drives a center-role sd_line_session over a link with poll(): the one place where the line
 * protocol meets real I/O for a center that makes one call at a time (suidoctl term, and each
 * worker of the gateway). lib/call sits above both lib/line (the pure codec and session) and
 * lib/link (the transports and the modem dialer), which know nothing of each other.
 * The target is a link URL (tcp://host:port: already connected), or a tel number looked up in a
 * dial plan; a modem URL (serial://, pty:) is dialled by sd_at_call() (link/modem.h) on open.
 */
typedef struct sd_call sd_call_t;

typedef struct {
    const char *target; /* URL, or tel digits when dialplan is set */
    const sd_dialplan_t *dialplan;
    const char *tel; /* number to dial on a modem URL (else target's digits) */
    sd_line_session_cfg_t session;
    sd_at_cfg_t at; /* used for modem links; fill with sd_at_cfg_default() */
} sd_call_opts_t;

/* Defaults: L2, 3 retries, 10 s answer timeout, AT defaults. */
void sd_call_opts_default(sd_call_opts_t *o);

/*
 * Open the link (dialling if it is a modem) and wait for the session to be READY. For an
 * incoming-style session this is where the ENQ is awaited. On success *out owns the call.
 * Errors: the link's or the dialler's (SD_ECLOSED, SD_EBUSY, SD_ENOANSWER ...), SD_ENOTFOUND for
 * a tel the dial plan does not know, SD_ETIMEDOUT.
 */
int sd_call_open(const sd_call_opts_t *o, sd_call_t **out);

/*
 * Wait up to timeout_ms for a terminal to call on listener ls and run the incoming session
 * (o->session.incoming is forced on): the session answers the ENQ with the request it names.
 * On success *out owns the call, enq gets the ENQ (zeroed for an L3, which sends none) and
 * answer the terminal's report; finish with sd_call_close() (L3: designation, then EOT).
 */
int sd_call_accept(sd_listener_t *ls, const sd_call_opts_t *o, int timeout_ms, sd_call_t **out,
                   sd_line_text_t *enq, sd_line_text_t *answer);

/*
 * Send request req and wait for its answer (retries and NAKs handled by the session). On
 * success answer holds the decoded text and raw (if not NULL) gets the answer's bytes appended,
 * as received. Returns 0, or SD_ENOANSWER / SD_ENAK / SD_ECHECKSUM / SD_EPROTO / SD_ECLOSED
 * after which the call is over (only sd_call_close() remains). On such a failure, if an answer
 * was refused on the way, err gets why (field, byte offset, reason; err->code != 0), whatever
 * the final result; otherwise err is left as it was (callers zero it).
 */
int sd_call_request(sd_call_t *c, const sd_line_text_t *req, sd_line_text_t *answer, sd_buf_t *raw,
                    sd_line_err_t *err);

/*
 * Why the last text received since the last request was refused (field, byte offset, reason),
 * or NULL: what to tell a user when sd_call_request() failed. Valid until the next call on c.
 */
const sd_line_err_t *sd_call_refusal(const sd_call_t *c);

/* Finish politely (EOT CR, hang-up) if still up, and free. NULL-safe. */
void sd_call_close(sd_call_t *c);

#endif
