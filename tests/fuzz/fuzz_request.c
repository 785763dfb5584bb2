/* fuzz_request.c - libFuzzer driver for the request service's AP-IF parsers: read, control and
 * settings bodies (whose accepted ones must build a set text that encodes). A gateway's reply is
 * a GW-IF message: tests/fuzz/fuzz_gwif.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/buf.h"
#include "pf/requests/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal is a documented class and names why. */
static void check_err(int rc, const sd_json_err_t *e)
{
    if (rc != SD_EFIELD && rc != SD_ENOMEM)
        abort();
    if (rc == SD_EFIELD && !e->message[0])
        abort();
    if (strnlen(e->field, sizeof e->field) >= sizeof e->field)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    sd_json_err_t e;
    if (sd_json_parse(data, size, &v, &e) != 0)
        return 0;
    sd_apif_read_t rd;
    int rc = sd_apif_read_parse(v, &rd, &e);
    if (rc) {
        check_err(rc, &e);
        if (rd.data_ids)
            abort();
    } else {
        if (rd.n < 1 || rd.n > SD_REQ_MAX_READ_IDS || rd.wait_s < 0 ||
            rd.wait_s > SD_REQ_MAX_WAIT_S || rd.timeout_s < 1)
            abort();
        for (size_t i = 0; i < rd.n; i++)
            for (size_t k = 0; k < i; k++)
                if (!strcmp(rd.data_ids[i], rd.data_ids[k]))
                    abort();
        sd_apif_read_free(&rd);
    }
    sd_apif_control_t c;
    rc = sd_apif_control_parse(v, &c, &e);
    if (rc)
        check_err(rc, &e);
    else if (strcmp(c.value, "on") && strcmp(c.value, "off"))
        abort();
    sd_apif_settings_t st;
    rc = sd_apif_settings_parse(v, &st, &e);
    if (rc) {
        check_err(rc, &e);
    } else {
        if (st.kind != SD_REQ_SCHEDULE && st.kind != SD_REQ_PARAMS && st.kind != SD_REQ_ASSIGN)
            abort();
        for (int i = 0; i < st.set.n_blocks; i++)
            if (st.set.block[i].output < 1 || st.set.block[i].output > 8 ||
                (st.set.block[i].set &&
                 (st.set.block[i].minutes < 0 || st.set.block[i].minutes > 999)))
                abort();
        /* every accepted body builds a set text that encodes */
        sd_line_text_t cur, req;
        sd_line_text_init(&cur, st.kind == SD_REQ_SCHEDULE ? SD_LINE_T_SCHED
                                : st.kind == SD_REQ_PARAMS ? SD_LINE_T_PARAM
                                                           : SD_LINE_T_ASSIGN);
        if (st.kind == SD_REQ_SCHEDULE)
            for (int i = 0; i < 8; i++)
                cur.u.sched.block[i] = (sd_line_sblock_t){' ', SD_LINE_NO_TIME, SD_LINE_UNFITTED};
        if (st.kind == SD_REQ_PARAMS) {
            cur.u.param.alarm_s = cur.u.param.monitor_s = 30;
        }
        if (st.kind == SD_REQ_ASSIGN) {
            sd_line_assign_t *a = &cur.u.assign.a;
            strcpy(a->ai1, "AAAAAAAA");
            strcpy(a->ai2, "AAAAAAAA");
            strcpy(a->pi, "PPPPPPPPPPPPPPPP");
            strcpy(a->di1, "EEEEEEEEEEEEEEEE");
            strcpy(a->di2, "EEEEEEEEEEEEEEEE");
            strcpy(a->di3, "EEEEEEEEEEEEEEEE");
        }
        if (sd_line_settings_apply(&st.set, &cur, 1800000000, &req))
            abort();
        sd_buf_t out = {0};
        sd_line_err_t le;
        if (sd_line_encode(&req, &out, &le))
            abort();
        sd_buf_free(&out);
    }
    json_decref(v);
    return 0;
}
