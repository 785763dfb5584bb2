/* at.c - Hayes AT protocol text, pure: result-code parser and the modem emulator (no I/O). */
#include "link/at.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define CMD_MAX    SD_AT_CMD_MAX
#define NUMBER_MAX 32 /* digits in a dial string */
#define SPEED_MAX  10000000L

/* --- result codes ---------------------------------------------------------------------------- */

static const struct {
    sd_at_code_t code;
    const char *text;
} words[] = {
    {SD_AT_OK, "OK"},
    {SD_AT_CONNECT, "CONNECT"},
    {SD_AT_RING, "RING"},
    {SD_AT_NO_CARRIER, "NO CARRIER"},
    {SD_AT_ERROR, "ERROR"},
    {SD_AT_NO_DIALTONE, "NO DIALTONE"},
    {SD_AT_NO_DIALTONE, "NO DIAL TONE"},
    {SD_AT_BUSY, "BUSY"},
    {SD_AT_NO_ANSWER, "NO ANSWER"},
};

/* Numeric codes (ATV0) with an implied CONNECT speed. */
static const struct {
    int num;
    sd_at_code_t code;
    long speed;
} numerics[] = {
    {0, SD_AT_OK, 0},          {1, SD_AT_CONNECT, 0},     {2, SD_AT_RING, 0},
    {3, SD_AT_NO_CARRIER, 0},  {4, SD_AT_ERROR, 0},       {5, SD_AT_CONNECT, 1200},
    {6, SD_AT_NO_DIALTONE, 0}, {7, SD_AT_BUSY, 0},        {8, SD_AT_NO_ANSWER, 0},
    {10, SD_AT_CONNECT, 2400}, {11, SD_AT_CONNECT, 4800}, {12, SD_AT_CONNECT, 9600},
};

static int is_trim(char c)
{
    return c == '\r' || c == '\n' || c == ' ';
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static int word_eq(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (upper(s[i]) != w[i])
            return 0;
    return 1;
}

int sd_at_result_parse(const char *buf, size_t len, sd_at_result_t *out)
{
    while (len && is_trim(buf[0]))
        buf++, len--;
    while (len && is_trim(buf[len - 1]))
        len--;
    if (len == 0)
        return SD_ESYNTAX;
    for (size_t i = 0; i < len; i++)
        if (buf[i] < 0x20 || buf[i] > 0x7e)
            return SD_ESYNTAX;

    size_t nd = 0;
    while (nd < len && buf[nd] >= '0' && buf[nd] <= '9')
        nd++;
    if (nd == len) {
        if (len > 2)
            return SD_ESYNTAX;
        int v = buf[0] - '0';
        if (len == 2)
            v = v * 10 + buf[1] - '0';
        for (size_t i = 0; i < sizeof numerics / sizeof numerics[0]; i++)
            if (numerics[i].num == v) {
                *out = (sd_at_result_t){numerics[i].code, numerics[i].speed};
                return 0;
            }
        return SD_ESYNTAX;
    }

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (word_eq(buf, len, words[i].text)) {
            *out = (sd_at_result_t){words[i].code, 0};
            return 0;
        }

    /* CONNECT with a suffix: " 9600", " 33600/ARQ", "/V42", " LAPM" */
    const size_t cl = 7;
    if (len <= cl || !word_eq(buf, cl, "CONNECT") || (buf[cl] != ' ' && buf[cl] != '/'))
        return SD_ESYNTAX;
    size_t i = cl;
    while (i < len && buf[i] == ' ')
        i++;
    long speed = 0;
    size_t digits = 0;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
        if (digits >= 9)
            return SD_EFIELD;
        speed = speed * 10 + (buf[i] - '0');
    }
    if (speed > SPEED_MAX || (digits && speed == 0))
        return SD_EFIELD;
    *out = (sd_at_result_t){SD_AT_CONNECT, speed};
    return 0;
}

const char *sd_at_code_str(sd_at_code_t code)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (words[i].code == code)
            return words[i].text;
    return "?";
}

int sd_at_code_err(sd_at_code_t code)
{
    switch (code) {
    case SD_AT_OK:
    case SD_AT_CONNECT:
    case SD_AT_RING:
        return 0;
    case SD_AT_BUSY:
        return SD_EBUSY;
    case SD_AT_NO_ANSWER:
        return SD_ENOANSWER;
    case SD_AT_NO_CARRIER:
        return SD_ENOCARRIER;
    case SD_AT_NO_DIALTONE:
        return SD_ENODIALTONE;
    case SD_AT_ERROR:
        return SD_EPROTO;
    }
    return SD_EPROTO;
}

/* --- modem emulator -------------------------------------------------------------------------- */

enum { LS_WAIT_A, LS_WAIT_T, LS_LINE };

struct sd_at_modem {
    sd_at_modem_cfg_t cfg;
    sd_at_mode_t mode;
    int echo, verbose, quiet;
    unsigned char s[32];
    int ringing;
    /* command line */
    int ls;
    char line[CMD_MAX];
    size_t line_len;
    int overflow;
    /* escape detection */
    int64_t last_rx_ms;
    int plus;
    int64_t plus_ms;
};

static void factory(sd_at_modem_t *m)
{
    m->echo = 1;
    m->verbose = 1;
    m->quiet = 0;
    memset(m->s, 0, sizeof m->s);
    m->s[2] = '+';
    m->s[3] = '\r';
    m->s[4] = '\n';
    m->s[5] = 8;
    m->s[12] = 50;
}

int sd_at_modem_new(const sd_at_modem_cfg_t *cfg, sd_at_modem_t **out)
{
    *out = NULL;
    sd_at_modem_t *m = calloc(1, sizeof *m);
    if (!m)
        return SD_ENOMEM;
    if (cfg)
        m->cfg = *cfg;
    if (m->cfg.speed <= 0)
        m->cfg.speed = 9600;
    factory(m);
    *out = m;
    return 0;
}

void sd_at_modem_free(sd_at_modem_t *m)
{
    free(m);
}

static int64_t guard(const sd_at_modem_t *m)
{
    return (int64_t)m->s[12] * 20;
}

/* Write a result code to the DTE honouring Q, V. */
static int emit(sd_at_modem_t *m, sd_at_code_t code, sd_buf_t *to_dte)
{
    if (m->quiet)
        return 0;
    if (!m->verbose)
        return sd_buf_printf(to_dte, "%d\r", (int)code);
    if (code == SD_AT_CONNECT)
        return sd_buf_printf(to_dte, "\r\nCONNECT %ld\r\n", m->cfg.speed);
    return sd_buf_printf(to_dte, "\r\n%s\r\n", sd_at_code_str(code));
}

static void end_call(sd_at_modem_t *m)
{
    m->mode = SD_AT_MODE_COMMAND;
    m->ringing = 0;
    m->s[1] = 0;
    m->plus = 0;
}

static int connect_call(sd_at_modem_t *m, int64_t now, sd_buf_t *to_dte)
{
    m->mode = SD_AT_MODE_DATA;
    m->ringing = 0;
    m->plus = 0;
    m->last_rx_ms = now;
    int r = emit(m, SD_AT_CONNECT, to_dte);
    return r ? r : SD_AT_EV_CONNECT;
}

/* Parse up to 3 digits at *p; absent digits read as 0. Returns -1 if more than 3. */
static int number_at(const char *line, size_t len, size_t *p)
{
    int v = 0, n = 0;
    while (*p < len && line[*p] >= '0' && line[*p] <= '9') {
        if (++n > 3)
            return -1;
        v = v * 10 + (line[(*p)++] - '0');
    }
    return v;
}

/* ATD: the rest of the line is the dial string. */
static int do_dial(sd_at_modem_t *m, const char *d, size_t n, int64_t now, sd_buf_t *to_dte)
{
    char num[NUMBER_MAX + 1];
    size_t k = 0;
    int voice = 0;
    if (m->mode != SD_AT_MODE_COMMAND)
        return emit(m, SD_AT_ERROR, to_dte);
    for (size_t i = 0; i < n; i++) {
        char c = upper(d[i]);
        if ((c >= '0' && c <= '9') || c == '*' || c == '#') {
            if (k == NUMBER_MAX)
                return emit(m, SD_AT_ERROR, to_dte);
            num[k++] = c;
        } else if (c == ';' && i == n - 1) {
            voice = 1;
        } else if (!strchr("TPW,@!-() ", c)) {
            return emit(m, SD_AT_ERROR, to_dte);
        }
    }
    if (k == 0)
        return emit(m, SD_AT_ERROR, to_dte);
    num[k] = '\0';
    m->ringing = 0;
    m->s[1] = 0;
    sd_at_code_t res = m->cfg.dial ? m->cfg.dial(m->cfg.ctx, num) : SD_AT_NO_CARRIER;
    if (res == SD_AT_CONNECT && voice)
        return emit(m, SD_AT_OK, to_dte);
    if (res == SD_AT_CONNECT)
        return connect_call(m, now, to_dte);
    if (res != SD_AT_BUSY && res != SD_AT_NO_ANSWER && res != SD_AT_NO_DIALTONE)
        res = SD_AT_NO_CARRIER;
    return emit(m, res, to_dte);
}

/* Execute the command line after "AT". Returns events or SD_ENOMEM. */
static int execute(sd_at_modem_t *m, int64_t now, sd_buf_t *to_dte)
{
    const char *ln = m->line;
    size_t len = m->line_len, p = 0;
    int ev = 0, r;
    if (m->overflow)
        return emit(m, SD_AT_ERROR, to_dte);
    while (p < len) {
        char c = upper(ln[p++]);
        if (c == ' ')
            continue;
        if (c == 'D')
            return do_dial(m, ln + p, len - p, now, to_dte);
        if (c == 'A') {
            if (m->mode == SD_AT_MODE_COMMAND && m->ringing)
                return connect_call(m, now, to_dte);
            return emit(m, SD_AT_NO_CARRIER, to_dte);
        }
        if (c == 'S') {
            int reg = number_at(ln, len, &p);
            if (reg < 0 || reg >= (int)sizeof m->s || p >= len)
                return emit(m, SD_AT_ERROR, to_dte);
            if (ln[p] == '?') {
                p++;
                if ((r = sd_buf_printf(to_dte, "\r\n%03d\r\n", m->s[reg])))
                    return r;
                continue;
            }
            if (ln[p++] != '=')
                return emit(m, SD_AT_ERROR, to_dte);
            int v = number_at(ln, len, &p);
            if (v < 0 || v > 255)
                return emit(m, SD_AT_ERROR, to_dte);
            m->s[reg] = (unsigned char)v;
            continue;
        }
        if (c == '&') {
            if (p >= len)
                return emit(m, SD_AT_ERROR, to_dte);
            char a = upper(ln[p++]);
            int v = number_at(ln, len, &p);
            if (v < 0 || !strchr("CDFKW", a) || v > 9)
                return emit(m, SD_AT_ERROR, to_dte);
            if (a == 'F') {
                factory(m);
                if (m->mode != SD_AT_MODE_COMMAND) {
                    end_call(m);
                    ev |= SD_AT_EV_HANGUP;
                }
            }
            continue;
        }
        int v = number_at(ln, len, &p);
        switch (c) {
        case 'E':
        case 'V':
        case 'Q':
            if (v < 0 || v > 1)
                return emit(m, SD_AT_ERROR, to_dte);
            *(c == 'E' ? &m->echo : c == 'V' ? &m->verbose : &m->quiet) = v;
            break;
        case 'X':
        case 'L':
        case 'M':
            if (v < 0 || v > (c == 'X' ? 4 : 3))
                return emit(m, SD_AT_ERROR, to_dte);
            break;
        case 'I':
            if (v < 0 || v > 9)
                return emit(m, SD_AT_ERROR, to_dte);
            if ((r = sd_buf_append_str(to_dte, "\r\nsuido AT emulator\r\n")))
                return r;
            break;
        case 'H':
            if (v < 0 || v > 1)
                return emit(m, SD_AT_ERROR, to_dte);
            if (m->mode != SD_AT_MODE_COMMAND)
                ev |= SD_AT_EV_HANGUP;
            end_call(m);
            break;
        case 'Z':
            if (v < 0 || v > 1)
                return emit(m, SD_AT_ERROR, to_dte);
            if (m->mode != SD_AT_MODE_COMMAND)
                ev |= SD_AT_EV_HANGUP;
            end_call(m);
            factory(m);
            r = emit(m, SD_AT_OK, to_dte);
            return r ? r : ev; /* Z ends the line */
        case 'O':
            if (v < 0 || v > 1)
                return emit(m, SD_AT_ERROR, to_dte);
            if (m->mode != SD_AT_MODE_ONLINE_COMMAND)
                return emit(m, SD_AT_NO_CARRIER, to_dte);
            m->mode = SD_AT_MODE_DATA;
            m->last_rx_ms = now;
            r = emit(m, SD_AT_CONNECT, to_dte);
            return r ? r : ev | SD_AT_EV_RESUME;
        default:
            return emit(m, SD_AT_ERROR, to_dte);
        }
    }
    r = emit(m, SD_AT_OK, to_dte);
    return r ? r : ev;
}

/* Release pluses that turned out to be data. */
static int flush_plus(sd_at_modem_t *m, sd_buf_t *to_line)
{
    for (; m->plus > 0; m->plus--)
        if (sd_buf_append_byte(to_line, (char)m->s[2]))
            return SD_ENOMEM;
    return 0;
}

int sd_at_modem_tick(sd_at_modem_t *m, int64_t now_ms, sd_buf_t *to_dte, sd_buf_t *to_line)
{
    if (m->mode != SD_AT_MODE_DATA || m->plus == 0 || now_ms - m->plus_ms < guard(m))
        return 0;
    if (m->plus < 3)
        return flush_plus(m, to_line);
    m->plus = 0;
    m->mode = SD_AT_MODE_ONLINE_COMMAND;
    m->ls = LS_WAIT_A;
    int r = emit(m, SD_AT_OK, to_dte);
    return r ? r : SD_AT_EV_ESCAPE;
}

int64_t sd_at_modem_deadline(const sd_at_modem_t *m)
{
    return m->mode == SD_AT_MODE_DATA && m->plus ? m->plus_ms + guard(m) : -1;
}

/* One byte in data mode. */
static int data_byte(sd_at_modem_t *m, char c, int64_t now, sd_buf_t *to_line)
{
    int r = 0;
    /* S2 above 127 disables the escape, as on Hayes modems */
    int esc = m->s[2] <= 127 && (unsigned char)c == m->s[2];
    if (esc && m->plus == 0 && now - m->last_rx_ms >= guard(m)) {
        m->plus = 1;
        m->plus_ms = now;
    } else if (esc && m->plus > 0 && m->plus < 3 && now - m->plus_ms < guard(m)) {
        m->plus++;
        m->plus_ms = now;
    } else {
        r = flush_plus(m, to_line);
        if (r == 0 && sd_buf_append_byte(to_line, c))
            r = SD_ENOMEM;
    }
    m->last_rx_ms = now;
    return r;
}

/* One byte in (online) command mode. */
static int command_byte(sd_at_modem_t *m, char c, int64_t now, sd_buf_t *to_dte)
{
    if (m->echo && sd_buf_append_byte(to_dte, c))
        return SD_ENOMEM;
    char u = upper(c);
    switch (m->ls) {
    case LS_WAIT_A:
        if (u == 'A')
            m->ls = LS_WAIT_T;
        return 0;
    case LS_WAIT_T:
        if (u == 'T') {
            m->ls = LS_LINE;
            m->line_len = 0;
            m->overflow = 0;
        } else if (u != 'A') {
            m->ls = LS_WAIT_A;
        }
        return 0;
    default:
        break;
    }
    if ((unsigned char)c == m->s[3]) {
        m->ls = LS_WAIT_A;
        return execute(m, now, to_dte);
    }
    if ((unsigned char)c == m->s[5]) {
        if (m->line_len)
            m->line_len--;
        return 0;
    }
    if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
        return 0;
    if (m->line_len == sizeof m->line)
        m->overflow = 1;
    else
        m->line[m->line_len++] = c;
    return 0;
}

int sd_at_modem_input(sd_at_modem_t *m, const void *buf, size_t len, int64_t now_ms,
                      sd_buf_t *to_dte, sd_buf_t *to_line)
{
    const char *p = buf;
    int ev = sd_at_modem_tick(m, now_ms, to_dte, to_line);
    if (ev < 0)
        return ev;
    for (size_t i = 0; i < len; i++) {
        int r = m->mode == SD_AT_MODE_DATA ? data_byte(m, p[i], now_ms, to_line)
                                           : command_byte(m, p[i], now_ms, to_dte);
        if (r < 0)
            return r;
        ev |= r;
    }
    return ev;
}

int sd_at_modem_line_input(sd_at_modem_t *m, const void *buf, size_t len, sd_buf_t *to_dte)
{
    if (m->mode != SD_AT_MODE_DATA)
        return 0;
    return sd_buf_append(to_dte, buf, len);
}

int sd_at_modem_ring(sd_at_modem_t *m, int64_t now_ms, sd_buf_t *to_dte)
{
    if (m->mode != SD_AT_MODE_COMMAND)
        return SD_EBUSY;
    m->ringing = 1;
    if (m->s[1] < 255)
        m->s[1]++;
    int r = emit(m, SD_AT_RING, to_dte);
    if (r)
        return r;
    if (m->s[0] > 0 && m->s[1] >= m->s[0])
        return connect_call(m, now_ms, to_dte);
    return 0;
}

int sd_at_modem_remote_hangup(sd_at_modem_t *m, sd_buf_t *to_dte)
{
    int up = m->mode != SD_AT_MODE_COMMAND;
    end_call(m);
    return up ? emit(m, SD_AT_NO_CARRIER, to_dte) : 0;
}

sd_at_mode_t sd_at_modem_mode(const sd_at_modem_t *m)
{
    return m->mode;
}

int sd_at_modem_sreg(const sd_at_modem_t *m, int n)
{
    if (n < 0 || n >= (int)sizeof m->s)
        return SD_EINVAL;
    return m->s[n];
}
