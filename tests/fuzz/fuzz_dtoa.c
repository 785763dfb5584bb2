/* fuzz_dtoa.c - libFuzzer target: sd_dtoa() reads back to the same double. The input is taken
 * twice: its first 8 bytes as a double's bits (every exponent, denormals, NaN), and the whole of
 * it as text through strtod (the decimals people write). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtoa.h"

static void check(double v)
{
    char out[SD_DTOA_MAX];
    memset(out, 'x', sizeof out);
    size_t n = sd_dtoa(v, out);
    if (!isfinite(v)) {
        if (n != 0 || out[0] != '\0')
            abort();
        return;
    }
    if (n == 0 || n >= SD_DTOA_MAX || out[n] != '\0' || strlen(out) != n)
        abort();
    if (!strchr(out, '.') && !strchr(out, 'e'))
        abort(); /* a JSON reader would take it for an integer */
    char *end = NULL;
    double back = strtod(out, &end);
    if (*end != '\0' || memcmp(&back, &v, sizeof v) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    if (size >= 8) {
        double v;
        memcpy(&v, data, sizeof v);
        check(v);
    }
    char text[257];
    memcpy(text, data, size);
    text[size] = '\0';
    check(strtod(text, NULL));
    return 0;
}
