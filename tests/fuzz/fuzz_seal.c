/* fuzz_seal.c - libFuzzer target for the parsers of data at rest (lib/pf/data/seal.c): a sealed
 * file (header, chunk framing, FINAL, trailing bytes), a sealed text, a backup recipient key and
 * an identity file. The first byte picks the parser; a fixed key lets seeds reach decryption. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/data/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the seeds in corpus/fuzz_seal were sealed under this key with ad "t2" / final ad "t2/x" */
static const unsigned char K[32] = "fuzz-key-fuzz-key-fuzz-key-0123";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 4;
    data++;
    size--;
    /* exact-size copies, so that ASan catches any read past the end */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char why[256] = "";
    if (mode == 0) {
        unsigned char *out = NULL;
        size_t n = 0;
        int rc = sd_seal_open_buf(K, "t2", s, size, &out, &n, why, sizeof why);
        if (rc == 0 && (n > size || out[n] != 0))
            abort();
        if (rc != 0 && (out || !*why))
            abort();
        free(out);
    } else if (mode == 1) {
        char *out = NULL;
        int sealed = -1;
        int rc = sd_seal_text_open(K, "doc:2:1", s, &out, &sealed);
        if (rc == 0 && !sealed && strcmp(out, s) != 0)
            abort();
        if (rc == 0 && sealed) { /* what opens seals again to something that opens the same */
            char *again = NULL, *back = NULL;
            int z = 0;
            if (sd_seal_text(K, "doc:2:1", out, &again) != 0 ||
                sd_seal_text_open(K, "doc:2:1", again, &back, &z) != 0 || strcmp(back, out) != 0)
                abort();
            free(again);
            free(back);
        }
        if (rc != 0 && out)
            abort();
        free(out);
    } else if (mode == 2) {
        unsigned char pk[32];
        if (sd_seal_recipient_parse(s, pk, why, sizeof why) != 0 && !*why)
            abort();
    } else {
        unsigned char sk[32], pk[32];
        if (sd_seal_identity_parse(s, size, sk, pk, why, sizeof why) != 0 && !*why)
            abort();
    }
    free(s);
    return 0;
}
