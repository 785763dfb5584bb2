/* south.h - taking a terminal's call: tell L2 from L3, answer, hand over before EOT. */
#ifndef SD_GW_SOUTH_H
#define SD_GW_SOUTH_H

#include "line/session.h"
#include "line/text.h"
#include "link/link.h"

/*
 * A terminal that calls the center opens with ENQ if it is an L2; an L3 device sends nothing
 * (docs/terminal-protocol.md section 1). The center cannot know beforehand which one is on the
 * line, so it waits up to l3_wait_ms for a first byte: ENQ means an L2 session, silence (or
 * anything else) an L3 one. The session then requests what the terminal announced and
 * calls fn with the ENQ (NULL for an L3) and the report, BEFORE the call is finished: fn
 * stores what it needs durably and returns 0, and only then the terminal gets its EOT (L3: the
 * scheduled-report designation first). A nonzero return hangs up without EOT, so the terminal
 * keeps its report and calls again: nothing is acknowledged that is not stored.
 */
typedef int (*sd_gw_report_fn)(void *ctx, const sd_line_text_t *enq, const sd_line_text_t *report);

typedef struct {
    int l3_wait_ms;           /* 0 = 1000 */
    sd_line_l3_desig_t desig; /* designation sent to L3 devices; day 0 = none */
    int answer_timeout_ms;    /* 0 = session default */
    int retries;              /* 0 = session default */
    sd_line_err_t *why;       /* if not NULL: on failure, why the last text was refused
                               * (field, byte offset, reason; code 0 if none was) */
} sd_gw_take_opts_t;

/*
 * Run the call on an accepted link (borrowed; the caller closes it). Returns 0 when the report
 * was handed to fn and the call finished, fn's error, or the session's (SD_ENOANSWER,
 * SD_ECHECKSUM, SD_EPROTO, SD_ENAK, SD_ECLOSED ...). *proto receives 2 or 3.
 */
int sd_gw_take_call(sd_link_t *link, const sd_gw_take_opts_t *o, sd_gw_report_fn fn, void *ctx,
                    int *proto);

#endif
