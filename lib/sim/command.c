/* command.c - parser of the simulator's control-port lines. */
#include "sim/command.h"

#include "core/err.h"
#include "sim/plant.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 5
#define WORD_MAX  64

static int split(const char *line, size_t len, char words[MAX_WORDS][WORD_MAX], int *n,
                 const char **why)
{
    *n = 0;
    size_t i = 0;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    while (i < len) {
        while (i < len && line[i] == ' ')
            i++;
        if (i == len)
            break;
        if (*n == MAX_WORDS)
            return *why = "too many words", SD_ESYNTAX;
        size_t w = 0;
        while (i < len && line[i] != ' ') {
            unsigned char c = (unsigned char)line[i];
            if (c < 0x21 || c > 0x7e)
                return *why = "non-printable character", SD_ESYNTAX;
            if (w == WORD_MAX - 1)
                return *why = "word too long", SD_ESYNTAX;
            words[*n][w++] = (char)c;
            i++;
        }
        words[(*n)++][w] = '\0';
    }
    return 0;
}

static int parse_onoff(const char *s, int *on)
{
    if (!strcmp(s, "on"))
        return *on = 1, 0;
    if (!strcmp(s, "off"))
        return *on = 0, 0;
    return SD_EFIELD;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
    char *end;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || x < lo || x > hi)
        return SD_EFIELD;
    *v = x;
    return 0;
}

int sd_simcmd_parse(const char *line, size_t len, sd_simcmd_t *out, const char **why)
{
    char w[MAX_WORDS][WORD_MAX];
    int n, rc = split(line, len, w, &n, why);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    if (n == 0)
        return *why = "empty line", SD_ESYNTAX;
    if (n >= 2)
        memcpy(out->target, w[1], sizeof out->target);
    const char *verb = w[0];
    if (!strcmp(verb, "status")) {
        out->op = SD_SIMCMD_STATUS;
        return n <= 2 ? 0 : (*why = "usage: status [TARGET]", SD_ESYNTAX);
    }
    if (!strcmp(verb, "fault")) {
        out->op = SD_SIMCMD_FAULT;
        if (n != 4)
            return *why = "usage: fault TARGET KIND on|off", SD_ESYNTAX;
        out->fault = sd_plant_fault_from_name(w[2]);
        if (out->fault < 0)
            return *why = "unknown fault (power pump1 pump2 high low intrusion)", SD_EFIELD;
        if (parse_onoff(w[3], &out->on))
            return *why = "expected on or off", SD_EFIELD;
        return 0;
    }
    if (!strcmp(verb, "drift")) {
        out->op = SD_SIMCMD_DRIFT;
        if (n != 3)
            return *why = "usage: drift TARGET SECONDS", SD_ESYNTAX;
        if (parse_int(w[2], -86400 * 366LL, 86400 * 366LL, &out->value))
            return *why = "drift must be an integer within a year", SD_EFIELD;
        return 0;
    }
    if (!strcmp(verb, "noise")) {
        out->op = SD_SIMCMD_NOISE;
        if (n != 3)
            return *why = "usage: noise TARGET PERMILLE", SD_ESYNTAX;
        if (parse_int(w[2], 0, 1000, &out->value))
            return *why = "noise must be 0..1000 (per mille of bytes)", SD_EFIELD;
        return 0;
    }
    if (!strcmp(verb, "drop")) {
        out->op = SD_SIMCMD_DROP;
        return n == 2 ? 0 : (*why = "usage: drop TARGET", SD_ESYNTAX);
    }
    if (!strcmp(verb, "mute")) {
        out->op = SD_SIMCMD_MUTE;
        if (n != 3)
            return *why = "usage: mute TARGET on|off", SD_ESYNTAX;
        if (parse_onoff(w[2], &out->on))
            return *why = "expected on or off", SD_EFIELD;
        return 0;
    }
    if (!strcmp(verb, "patch")) {
        out->op = SD_SIMCMD_PATCH;
        if (n == 3 && !strcmp(w[2], "off"))
            return 0;
        if (n != 4)
            return *why = "usage: patch TARGET OFFSET BYTES, or patch TARGET off", SD_ESYNTAX;
        /* byte 0 is STX, and a text is at most 7356 bytes with SUM and CR */
        if (parse_int(w[2], 1, 7350, &out->value))
            return *why = "offset must be 1..7350", SD_EFIELD;
        for (size_t i = 0; w[3][i]; i++)
            out->bytes[i] = w[3][i] == '_' ? ' ' : w[3][i];
        out->on = 1;
        return 0;
    }
    return *why = "unknown command (fault drift noise drop mute patch status)", SD_ESYNTAX;
}
