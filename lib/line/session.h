/* session.h - L2/L3 session state machines (center and terminal side), clock-sync helpers. */
#ifndef SD_LINE_SESSION_H
#define SD_LINE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "line/text.h"

/*
 * A session is a pure state machine: the caller owns the connection and one timer, feeds it
 * events (connected, bytes, timer fired, disconnected) and carries out the returned action:
 * write act->send, (re)arm the timer at act->timer_at, close when act->hangup, and handle
 * act->app. Time comes from cfg->clock (inject a fake clock in tests); nothing sleeps or reads
 * a socket. Flows (docs/terminal-protocol.md section 1) [profile]:
 *
 * Center calls a terminal (role CENTER, incoming = false): connected -> READY; the application
 *   sends a request (sd_line_session_send) -> the answer comes back as ANSWER -> READY again ...
 *   -> sd_line_session_end() sends EOT CR and hangs up.
 * Terminal calls the center (role CENTER, incoming = true): L2: wait for the ENQ, answer it with
 *   the request its number names (1->X 2->Y 3->V 5->I 6->K 7->G 8->H), deliver ENQ then ANSWER;
 *   L3: the device sends no ENQ (source 3-6 "通信伝文パターン"), so the center sends the L3
 *   request after l3_enq_wait_ms, or at once if an ENQ does arrive; after the report,
 *   sd_line_session_end() sends the scheduled-report designation (if cfg->desig.day != 0),
 *   waits desig_wait_ms for a NAK (resending on NAK), then EOT CR.
 * While waiting for an answer the center resends the request on timeout or NAK and answers a
 *   broken answer with NAK 05 (bad SUM) or NAK 04 (unusable text); after `retries` such failures
 *   it sends EOT, hangs up and reports DONE with SD_ENOANSWER / SD_ENAK / SD_ECHECKSUM /
 *   SD_EPROTO (the last failure).
 * Terminal side (role TERMINAL): connected (sending cfg->enq first when the terminal called) ->
 *   each valid request is delivered as REQUEST and answered by sd_line_session_answer(); a bad
 *   request is answered NAK 05 / NAK 04 by the session itself; a NAK after an answer resends it;
 *   L3 designation is delivered as DESIG (no answer); EOT ends the session (DONE, result 0).
 */

typedef enum { SD_LINE_ROLE_CENTER, SD_LINE_ROLE_TERMINAL } sd_line_role_t;
typedef enum { SD_LINE_PROTO_L2, SD_LINE_PROTO_L3 } sd_line_proto_t;

typedef struct {
    sd_clock_t *clock; /* NULL: the system clock. Borrowed; must outlive the session. */
    sd_line_proto_t proto;
    bool incoming;            /* center: the terminal called us */
    int retries;              /* resends before giving up; 0 = 3, < 0 = none */
    int answer_timeout_ms;    /* center: request sent -> answer complete; 0 = 10000 */
    int interbyte_ms;         /* silence allowed inside a frame; 0 = 2000 */
    int enq_timeout_ms;       /* center: connect -> ENQ; terminal: ENQ -> request; 0 = 10000 */
    int idle_timeout_ms;      /* terminal: waiting for a request, EOT or the app; 0 = 30000 */
    int l3_enq_wait_ms;       /* L3 center, incoming: wait for an ENQ before requesting; 0 = 1000 */
    int desig_wait_ms;        /* L3 center: wait for a NAK after the designation; 0 = 2000 */
    sd_line_l3_desig_t desig; /* L3 center: what to designate; day 0 = send none */
    const sd_line_enq_t *enq; /* terminal that called: the ENQ to open with (copied) */
} sd_line_session_cfg_t;

typedef enum {
    SD_LINE_APP_NONE = 0,
    SD_LINE_APP_READY,   /* center: send a request or end */
    SD_LINE_APP_ENQ,     /* center: the caller's ENQ (already answered by the session) */
    SD_LINE_APP_ANSWER,  /* center: the answer to the last request */
    SD_LINE_APP_REQUEST, /* terminal: a request; answer with sd_line_session_answer() */
    SD_LINE_APP_DESIG,   /* terminal: the L3 designation */
    SD_LINE_APP_DONE,    /* session over; result says how */
} sd_line_app_t;

typedef struct {
    const uint8_t *send; /* write these send_len bytes first (borrowed until the next call) */
    size_t send_len;
    int64_t timer_at; /* the session's one timer: call _timer() at this mono ms; -1 = none */
    bool hangup;      /* close the connection (after writing send) */
    sd_line_app_t app;
    const sd_line_text_t *text; /* ENQ, ANSWER, REQUEST, DESIG: borrowed until the next call */
    const uint8_t *frame;       /* ... and its bytes as received (a variant stays a variant) */
    size_t frame_len;
    int result; /* DONE: 0 or a negative SD_E* */
    /* A text (or a broken frame) that came in was just refused, NAK'd or dropped: why, with field
     * and byte offset; borrowed until the next call. For the driver's log; the session logs
     * nothing. */
    const sd_line_err_t *refused;
} sd_line_act_t;

typedef struct sd_line_session sd_line_session_t;

/* Create a session; cfg is copied (NULL = defaults). NULL on allocation failure. */
sd_line_session_t *sd_line_session_new(sd_line_role_t role, const sd_line_session_cfg_t *cfg);

/* NULL-safe. */
void sd_line_session_free(sd_line_session_t *s);

/* The connection is up. */
void sd_line_session_connected(sd_line_session_t *s, sd_line_act_t *act);

/*
 * Bytes arrived. Consumes until one action is due and returns how many bytes it took; call again
 * with the rest (as sd_line_reasm_feed()). Bytes after DONE are swallowed.
 */
size_t sd_line_session_input(sd_line_session_t *s, const uint8_t *p, size_t n, sd_line_act_t *act);

/* The timer armed by act->timer_at fired (early or stale calls are harmless). */
void sd_line_session_timer(sd_line_session_t *s, sd_line_act_t *act);

/* The connection dropped: DONE with SD_ECLOSED unless the session had already finished. */
void sd_line_session_disconnected(sd_line_session_t *s, sd_line_act_t *act);

/*
 * Center, in READY: send request t (an L2 request, W, S, E, J or an L3 request) and wait for its
 * answer. Returns 0, SD_EBUSY (not READY), SD_EINVAL (not a request type) or the encoder's
 * error (err filled; the session stays READY).
 */
int sd_line_session_send(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                         sd_line_err_t *err);

/*
 * Why the last text received since the last request (center) was refused: field, byte offset
 * and reason, code SD_EFIELD / SD_EPROTO / SD_ECHECKSUM / SD_EFRAME; NULL if none was. Useful
 * after a request failed: a real terminal stops answering after its own retries, so a call that
 * ends in "no answer" may have been refused all along.
 */
const sd_line_err_t *sd_line_session_refusal(const sd_line_session_t *s);

/* Center, in READY: finish (designation for L3 when configured, then EOT CR and hang up). */
int sd_line_session_end(sd_line_session_t *s, sd_line_act_t *act);

/*
 * Terminal, after REQUEST: answer with t (any terminal text, or a NAK). Returns 0, SD_EBUSY (no
 * request pending) or the encoder's error (err filled; the request stays pending).
 */
int sd_line_session_answer(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                           sd_line_err_t *err);

/* Clock sync on X, Z, E (L2) and the L3 request [profile]: true if t sets the terminal clock. */
bool sd_line_syncs_clock(const sd_line_text_t *t);

/*
 * The terminal's new wall time (ms) after a clock sync: the text's year..minute, the terminal's
 * own seconds and milliseconds (so hourly data is neither duplicated nor lost).
 */
int64_t sd_line_clock_sync(int64_t own_wall_ms, int64_t text_unix_s);

/* False within 5 minutes (inclusive) either side of the top of an hour: no X then. */
bool sd_line_x_allowed(int64_t unix_s);

#endif
