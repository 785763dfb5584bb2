/* dtoa.h - a double as the shortest decimal that reads back to the same double (Ryu). */
#ifndef SD_CORE_DTOA_H
#define SD_CORE_DTOA_H

#include <stddef.h>

/* Room sd_dtoa() needs, the NUL included (the longest output is 24 characters). */
#define SD_DTOA_MAX 32

/*
 * Write v to out[SD_DTOA_MAX] as a JSON number, NUL-terminated, and return its length: the
 * shortest digit string that strtod() reads back to exactly v (ties: the one nearest to v), laid
 * out as jansson lays out a real, so only the digits differ from what the JSON layer printed
 * before: plain notation for decimal exponents -5 < x < 17 ("0.1", "1234.5", "100.0", "-0.0":
 * always a '.' or an 'e', so a reader keeps it a real), otherwise "1.5e-7", "1e300". NaN and the
 * infinities are no JSON numbers: 0 is returned and out is "" (jansson refuses them too). Pure.
 */
size_t sd_dtoa(double v, char *out);

#endif
