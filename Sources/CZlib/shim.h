#ifndef TANDEM_CZLIB_SHIM_H
#define TANDEM_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 is a macro that Swift cannot import (inflation goes through libdeflate, CDeflate).
// Tandem's frames are zlib streams (RFC 1950: header + deflate + Adler-32 trailer).
static inline int tandem_deflate_init(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
}


#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

// zlib's CRC-32 folded 64 bytes at a time with carry-less multiplication (PCLMULQDQ), as in
// Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ" and Linux's
// crc32-pclmul: the same value as crc32(), about 5-10x faster on long buffers. The folded
// 128-bit remainder has the same residue as the bytes it replaces, so the last 16 bytes of
// state and the tail are finished by zlib itself (no Barrett reduction here).
__attribute__((target("pclmul,sse2")))
static inline __m128i tandem_crc32_fold(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

__attribute__((target("pclmul,sse2")))
static inline unsigned long tandem_crc32_clmul(unsigned long crc, const unsigned char *buf, size_t len) {
    // x^(4*128+32), x^(4*128-32) and x^(128+32), x^(128-32) mod P, bit-reflected.
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    __m128i x0 = _mm_loadu_si128((const __m128i *)buf);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(buf + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(buf + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(buf + 48));
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)(uint32_t)~crc));
    buf += 64;
    len -= 64;
    while (len >= 64) {
        x0 = _mm_xor_si128(tandem_crc32_fold(x0, k1k2), _mm_loadu_si128((const __m128i *)buf));
        x1 = _mm_xor_si128(tandem_crc32_fold(x1, k1k2), _mm_loadu_si128((const __m128i *)(buf + 16)));
        x2 = _mm_xor_si128(tandem_crc32_fold(x2, k1k2), _mm_loadu_si128((const __m128i *)(buf + 32)));
        x3 = _mm_xor_si128(tandem_crc32_fold(x3, k1k2), _mm_loadu_si128((const __m128i *)(buf + 48)));
        buf += 64;
        len -= 64;
    }
    __m128i x = _mm_xor_si128(tandem_crc32_fold(x0, k3k4), x1);
    x = _mm_xor_si128(tandem_crc32_fold(x, k3k4), x2);
    x = _mm_xor_si128(tandem_crc32_fold(x, k3k4), x3);
    while (len >= 16) {
        x = _mm_xor_si128(tandem_crc32_fold(x, k3k4), _mm_loadu_si128((const __m128i *)buf));
        buf += 16;
        len -= 16;
    }
    unsigned char state[16];
    _mm_storeu_si128((__m128i *)state, x);
    unsigned long folded = crc32(0xffffffffUL, state, 16);
    return len > 0 ? crc32(folded, buf, (uInt)len) : folded;
}
#endif

// crc32() of zlib, folded with PCLMULQDQ where the processor has it and the buffer is long.
static inline unsigned long tandem_crc32(unsigned long crc, const unsigned char *buf, size_t len) {
#if defined(__x86_64__)
    if (len >= 256 && len <= 0x7fffffff && __builtin_cpu_supports("pclmul")) {
        return tandem_crc32_clmul(crc, buf, len);
    }
#endif
    return crc32(crc, buf, (uInt)len);
}

#endif
