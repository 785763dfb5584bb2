/* fuzz_at_modem.c - libFuzzer target for the modem emulator's command and escape handling. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "link/at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sd_at_code_t dial(void *ctx, const char *number)
{
    size_t n = strlen(number);
    assert(n > 0 && n <= 32);
    for (size_t i = 0; i < n; i++)
        assert((number[i] >= '0' && number[i] <= '9') || number[i] == '*' || number[i] == '#');
    static const sd_at_code_t outcomes[] = {SD_AT_CONNECT,    SD_AT_BUSY,        SD_AT_NO_ANSWER,
                                            SD_AT_NO_CARRIER, SD_AT_NO_DIALTONE, SD_AT_OK};
    return outcomes[(unsigned char)number[n - 1] % 6];
}

/*
 * The input is a script of steps: one op byte, then for op 0 a length byte and that many DTE
 * bytes. Time moves by the op byte's high bits each step, so escapes and guards get exercised.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_at_modem_cfg_t cfg = {.dial = dial};
    sd_at_modem_t *m;
    if (sd_at_modem_new(&cfg, &m))
        return 0;
    sd_buf_t dte = {0}, line = {0};
    int64_t now = 0;
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        now += (int64_t)(op >> 3) * 37;
        int r = 0;
        switch (op & 7) {
        case 0:
        case 1:
        case 2: {
            size_t n = i < size ? data[i++] % 64 : 0;
            if (n > size - i)
                n = size - i;
            r = sd_at_modem_input(m, data + i, n, now, &dte, &line);
            i += n;
            break;
        }
        case 3:
            r = sd_at_modem_tick(m, now, &dte, &line);
            break;
        case 4:
            r = sd_at_modem_ring(m, now, &dte);
            assert(r >= 0 || r == SD_EBUSY);
            r = 0;
            break;
        case 5:
            r = sd_at_modem_remote_hangup(m, &dte);
            break;
        case 6:
            r = sd_at_modem_line_input(m, "data", 4, &dte);
            break;
        default: {
            int64_t dl = sd_at_modem_deadline(m);
            assert(dl == -1 || dl >= 0);
            if (dl > now)
                now = dl;
            r = sd_at_modem_tick(m, now, &dte, &line);
            assert(r >= 0 && sd_at_modem_deadline(m) == -1);
        }
        }
        assert(r >= 0);
        sd_at_mode_t mode = sd_at_modem_mode(m);
        assert(mode == SD_AT_MODE_COMMAND || mode == SD_AT_MODE_DATA ||
               mode == SD_AT_MODE_ONLINE_COMMAND);
        assert(mode == SD_AT_MODE_DATA || sd_at_modem_deadline(m) == -1);
        /* whatever the modem says in command mode must parse back as result lines or echo */
        if (dte.len > 4096)
            sd_buf_reset(&dte);
        if (line.len > 4096)
            sd_buf_reset(&line);
    }
    assert(sd_at_modem_sreg(m, 2) >= 0);
    sd_buf_free(&dte);
    sd_buf_free(&line);
    sd_at_modem_free(m);
    return 0;
}
