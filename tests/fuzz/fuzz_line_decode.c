/* fuzz_line_decode.c - libFuzzer target: decode, classify and annotate any bytes as a line text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "line/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Texts are large; one of each is enough for a single-threaded fuzzer. */
static sd_line_text_t t1, t2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_line_err_t e = {0};
    int rc = sd_line_decode(data, size, &t1, &e);
    if (rc && (e.code != rc || !e.field || e.offset > size || !e.why[0]))
        abort(); /* every refusal says where and why */
    sd_line_type_t ct = sd_line_classify(data, size, NULL);
    if (!rc && ct != t1.type)
        abort();

    /* annotating a 96-block X prints ~2700 lines; smaller inputs reach every path faster */
    if (size <= 2048) {
        sd_buf_t a = {0};
        int ra = sd_line_annotate(data, size, &a);
        if ((ra == 0) != (rc == 0) || !a.len)
            abort();
        sd_buf_free(&a);
    }

    if (rc == 0) {
        /*
         * Whatever decodes must encode, to a frame of the same length (the canonical form: a
         * variant the decoder accepts, such as zeros for blanks or lower-case hex, differs only
         * in those bytes and the SUM), and the canonical form is a fixed point.
         */
        sd_buf_t b = {0}, c = {0};
        if (sd_line_encode(&t1, &b, &e) || b.len != size)
            abort();
        if ((uint8_t)b.data[0] != data[0] || (uint8_t)b.data[size - 1] != data[size - 1])
            abort(); /* the start byte and the end are never variants */
        if (sd_line_decode((const uint8_t *)b.data, b.len, &t2, NULL) ||
            sd_line_encode(&t2, &c, NULL) || c.len != b.len || memcmp(b.data, c.data, b.len))
            abort();
        sd_buf_free(&b);
        sd_buf_free(&c);
    }
    return 0;
}
