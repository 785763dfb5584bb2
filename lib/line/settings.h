/* settings.h - the JSON bodies of the setting requests schedule (S), params (E) and assign (J)
 * (docs/gwif.md), parsed, and applied to a terminal's current setting (R, F, L) to build the set
 * text: S, E and J rewrite every field, so whatever a body leaves out keeps the current value. */
#ifndef SD_LINE_SETTINGS_H
#define SD_LINE_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/json.h"
#include "line/text.h"

typedef enum { SD_LINE_SET_SCHEDULE, SD_LINE_SET_PARAMS, SD_LINE_SET_ASSIGN } sd_line_set_kind_t;

typedef struct {
    int output;  /* 1-8 */
    bool set;    /* false: release (start null) */
    int hh, mm;  /* start, JST */
    int minutes; /* 0-999 */
    int64_t at;  /* > 0: the start as unix seconds instead of hh:mm (suidoctl's ISO 8601) */
} sd_line_set_block_t;

typedef struct {
    sd_line_set_kind_t kind;
    /* schedule: blocks named by the body; the others keep what the terminal has */
    int n_blocks;
    sd_line_set_block_t block[8];
    /* params: -1 / has_dest false = keep; line_type and carrier are suidoctl's only (not in
     * the JSON body: a utility does not change the line) */
    int alarm_s, monitor_s, line_type, carrier;
    bool has_dest;
    char dest[3][13];
    /* assign: "" = keep */
    sd_line_assign_t a;
} sd_line_settings_t;

/* Settings of kind that change nothing (every field -1 / empty): suidoctl fills them in. */
void sd_line_settings_init(sd_line_settings_t *s, sd_line_set_kind_t kind);

/* "schedule", "params", "assign" -> kind: 0 or SD_EFIELD. */
int sd_line_settings_kind(const char *name, sd_line_set_kind_t *out);

/*
 * Parse body (docs/gwif.md) of kind. Members in ignore (NULL-terminated, may be NULL; e.g. the
 * request envelope "id", "kind") are skipped, any other unknown member is an error. Pure.
 * 0 or SD_EFIELD with err->field ("blocks[2].start", "dest[1]", "ai1", ...).
 */
int sd_line_settings_parse(sd_line_set_kind_t kind, const json_t *body, const char *const *ignore,
                           sd_line_settings_t *out, sd_json_err_t *err);

/* The read request letter giving the current setting: 'R', 'F' or 'L'. */
char sd_line_settings_read_letter(sd_line_set_kind_t kind);

/*
 * Build the set text (S, E, J) into req from cur, the terminal's answer to the read (R, F, L),
 * at now_s (unix seconds): a schedule start HH:MM is its next occurrence (JST) from now_s.
 * 0, SD_EPROTO when cur is not the right answer.
 */
int sd_line_settings_apply(const sd_line_settings_t *s, const sd_line_text_t *cur, int64_t now_s,
                           sd_line_text_t *req);

#endif
