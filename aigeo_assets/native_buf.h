/* The growable byte buffer both compiled readers use (``aigeo_assets/native_build.py`` builds them
 * with this folder on the include path and counts this file in each module's SOURCE_SHA).
 * ``BUF_FIRST_CAP``, defined before the include, sets the first allocation (default 256 bytes). */
#ifndef AIGEO_NATIVE_BUF_H
#define AIGEO_NATIVE_BUF_H

#include <stdlib.h>
#include <string.h>

#ifndef BUF_FIRST_CAP
#define BUF_FIRST_CAP 256
#endif

typedef struct {
    char *p;
    size_t n, cap;
} Buf;

static inline int buf_grow(Buf *b, size_t extra) {
    if (b->n + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
    while (cap < b->n + extra) cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q) return -1;
    b->p = q;
    b->cap = cap;
    return 0;
}

static inline int buf_put(Buf *b, const void *src, size_t n) {
    if (buf_grow(b, n)) return -1;
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return 0;
}

static inline void buf_free(Buf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

#endif
