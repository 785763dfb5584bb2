/* term_json.h - decoded line-protocol texts as JSON, for suidoctl term. */
#ifndef SUIDOCTL_TERM_JSON_H
#define SUIDOCTL_TERM_JSON_H

#include <jansson.h>

#include "line/text.h"

/* A new JSON object describing t (times in ISO 8601 UTC, spaces as null). Caller decrefs. */
json_t *term_text_json(const sd_line_text_t *t);

#endif
