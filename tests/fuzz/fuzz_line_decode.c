/* fuzz_line_decode.c - libFuzzer target: decode, classify and annotate any bytes as a line text. */
#include <ctype.h>
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
        /* whatever decodes must encode, to the same bytes except hex case and hence the SUM */
        sd_buf_t b = {0}, c = {0};
        if (sd_line_encode(&t1, &b, &e) || b.len != size)
            abort();
        size_t body = size >= 5 && (data[0] == 0x02 || data[0] == 0x05) ? size - 5 : size;
        for (size_t i = 0; i < body; i++)
            if (toupper((unsigned char)b.data[i]) != toupper(data[i]))
                abort();
        if (sd_line_decode((const uint8_t *)b.data, b.len, &t2, NULL) ||
            sd_line_encode(&t2, &c, NULL) || c.len != b.len || memcmp(b.data, c.data, b.len))
            abort();
        sd_buf_free(&b);
        sd_buf_free(&c);
    }
    return 0;
}
