#ifndef TANDEM_CDEFLATE_SHIM_H
#define TANDEM_CDEFLATE_SHIM_H

// libdeflate: whole-buffer DEFLATE, zlib and gzip decompression, about three times as fast as
// zlib's streaming inflate. Tandem always knows a payload's inflated length (a frame or
// checkpoint header declares it), so it never needs zlib's streaming.
#include <libdeflate.h>

#endif
