/* utf8.h - strict UTF-8 validation shared by every parser that accepts text. */
#ifndef SD_CORE_UTF8_H
#define SD_CORE_UTF8_H

#include <stddef.h>

/*
 * Offset of the first byte of the first invalid UTF-8 sequence in buf[0..n), or n when all of it
 * is valid (RFC 3629: overlong forms, UTF-16 surrogates and code points above U+10FFFF are
 * invalid; a sequence cut off by the end of the buffer is invalid at its first byte). Pure.
 */
size_t sd_utf8_check(const void *buf, size_t n);

#endif
