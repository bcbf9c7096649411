#ifndef TANDEM_CZLIB_SHIM_H
#define TANDEM_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are macros that Swift cannot import.
// Tandem's frames are zlib streams (RFC 1950: header + deflate + Adler-32 trailer).
static inline int tandem_deflate_init(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
}

static inline int tandem_inflate_init(z_streamp stream) {
    return inflateInit2(stream, 15);
}

#endif
