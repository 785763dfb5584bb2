/* hex.h - the value of one hexadecimal digit, for every parser that reads hex. */
#ifndef SD_CORE_HEX_H
#define SD_CORE_HEX_H

/* 0-15 for '0'-'9', 'A'-'F', 'a'-'f'; -1 for any other byte (c is taken as unsigned char). */
static inline int sd_hex_value(int c)
{
    c &= 0xFF;
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

#endif
