/* The compiled fast path of the works part reader (``aigeo_assets.ingest.native_works``).
 *
 * ``Extractor.feed(data, lineno, final, fallback)`` reads the JSON Lines in ``data`` (numbered
 * from ``lineno + 1``) and appends the extract rows of each record it can read to its columns. A
 * record is read here only when it is certain that the line-by-line reader (msgspec's typed decode
 * of ``work_record.Work``, then ``works.record_rows``) would accept it and what it would make of
 * it: strict JSON, UTF-8 throughout, every declared field of its declared type, no repeated key
 * among the declared fields nor among the abstract's words, an integer publication year that fits
 * Int16, a non-empty own id. Any other
 * line (a malformed line, a field of another type, an unusual escape, a surrogate, ...) is appended
 * to ``fallback`` as ``(lineno, line)`` untouched, and the Python reader reads it: the quarantine
 * rows and whatever else such a line earns come from one place only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <math.h>

#define MAX_DEPTH 64

#include "native_buf.h"

/* ------------------------------------------------------------------ output columns */

typedef struct {
    Buf off;   /* int64 offsets, n + 1 */
    Buf data;  /* UTF-8 */
    Buf valid; /* uint8 per row */
    int64_t n;
} StrCol;

typedef struct {
    Buf vals;  /* fixed width */
    Buf valid; /* uint8 per row */
    int64_t n;
} NumCol;

static int str_init(StrCol *c) {
    int64_t zero = 0;
    return buf_put(&c->off, &zero, sizeof zero);
}

static int str_push(StrCol *c, const char *s, size_t len, int valid) {
    uint8_t v = (uint8_t)(valid != 0);
    if (valid && buf_put(&c->data, s, len)) return -1;
    int64_t end = (int64_t)c->data.n;
    if (buf_put(&c->off, &end, sizeof end) || buf_put(&c->valid, &v, 1)) return -1;
    c->n++;
    return 0;
}

static int num_push(NumCol *c, const void *val, size_t width, int valid) {
    uint8_t v = (uint8_t)(valid != 0);
    static const char zeros[8] = {0};
    if (buf_put(&c->vals, valid ? val : zeros, width) || buf_put(&c->valid, &v, 1)) return -1;
    c->n++;
    return 0;
}

/* ------------------------------------------------------------------ a record, as read */

typedef struct {
    size_t off, len;
    int set; /* 0: absent or null */
} Str;

typedef struct {
    Str id, subfield, field, domain;
    double score;
    int has_score;
} Topic;

typedef struct {
    Str id, name, country;
} Inst;

typedef struct {
    Str raw;
    int ids_set;
    size_t ids_start, ids_count; /* in the string list */
} Aff;

typedef struct {
    Str position, author_id;
    int insts_set;
    size_t inst_start, inst_count;
    int countries_set;
    size_t countries_start, countries_count;
    int raws_set;
    size_t raws_start, raws_count;
    int affs_set;
    size_t aff_start, aff_count;
} Authorship;

typedef struct {
    Str id, name;
    int64_t level;
    int has_level;
    double score;
    int has_score;
} Concept;

typedef struct {
    Str word;
    size_t pos_start, pos_count;
} Word;

#define VEC(T)          \
    struct {            \
        T *p;           \
        size_t n, cap;  \
    }

#define VEC_PUSH(v, item)                                                      \
    (((v).n < (v).cap || vec_grow((void **)&(v).p, &(v).cap, sizeof(*(v).p)) == 0) \
         ? ((v).p[(v).n++] = (item), 0)                                        \
         : -1)

static int vec_grow(void **p, size_t *cap, size_t size) {
    size_t c = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

typedef struct {
    Buf arena; /* decoded strings of the line */
    Str id, doi, title, type, type_crossref, pmid;
    int year_state; /* 0 absent, 1 null, 2 int */
    int64_t year;
    int loc_set, source_set;
    Str raw_type, raw_source_name, src_id, src_name, src_issn, src_type;
    int primary_set;
    Topic primary;
    int auths_set;
    VEC(Authorship) auths;
    VEC(Inst) insts;
    VEC(Aff) affs;
    VEC(Str) strs; /* countries, raw affiliation strings, institution ids of affiliations, references */
    int refs_set;
    size_t refs_start, refs_count;
    int concepts_set;
    VEC(Concept) concepts;
    int topics_set;
    VEC(Topic) topics;
    int abstract_set;
    VEC(Word) words;
    VEC(int64_t) positions;
} Record;

static void record_reset(Record *r) {
    Buf arena = r->arena;
    arena.n = 0;
    Authorship *a = r->auths.p; size_t ac = r->auths.cap;
    Inst *i = r->insts.p; size_t ic = r->insts.cap;
    Aff *f = r->affs.p; size_t fc = r->affs.cap;
    Str *s = r->strs.p; size_t sc = r->strs.cap;
    Concept *c = r->concepts.p; size_t cc = r->concepts.cap;
    Topic *t = r->topics.p; size_t tc = r->topics.cap;
    Word *w = r->words.p; size_t wc = r->words.cap;
    int64_t *p = r->positions.p; size_t pc = r->positions.cap;
    memset(r, 0, sizeof *r);
    r->arena = arena;
    r->auths.p = a; r->auths.cap = ac;
    r->insts.p = i; r->insts.cap = ic;
    r->affs.p = f; r->affs.cap = fc;
    r->strs.p = s; r->strs.cap = sc;
    r->concepts.p = c; r->concepts.cap = cc;
    r->topics.p = t; r->topics.cap = tc;
    r->words.p = w; r->words.cap = wc;
    r->positions.p = p; r->positions.cap = pc;
}

static void record_free(Record *r) {
    buf_free(&r->arena);
    free(r->auths.p); free(r->insts.p); free(r->affs.p); free(r->strs.p);
    free(r->concepts.p); free(r->topics.p); free(r->words.p); free(r->positions.p);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ strict JSON */

typedef struct {
    const unsigned char *p, *end;
    Record *r;
    int oom; /* out of memory: an error, not a fallback */
} P;

#define FAIL NULL

static inline void ws(P *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* The length of a valid UTF-8 sequence at p (lead byte >= 0x80), 0 when invalid (overlong,
 * surrogate, beyond U+10FFFF, cut short). */
static inline int utf8_len(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;
        if (c == 0xED && p[1] >= 0xA0) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The length of the run at p of bytes a JSON string holds as they are (printable ASCII but '"' and
 * '\\'): eight bytes at a time while a word has none of the others (the words' tests may stop
 * early, never late: the bytes after are looked at one by one). */
static inline size_t plain_run(const unsigned char *p, const unsigned char *end) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const unsigned char *q = p;
    while (end - q >= 8) {
        uint64_t x, quote, slash;
        memcpy(&x, q, 8);
        quote = x ^ (ones * '"');
        slash = x ^ (ones * '\\');
        if ((x | ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash)) & highs) break;
        q += 8;
    }
    while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80) q++;
    return (size_t)(q - p);
}

/* A JSON string at s->p (on its opening quote): validated, and decoded into the arena when out
 * is not NULL. 0 on success; -1 fallback. */
static int string(P *s, Str *out) {
    const unsigned char *p = s->p + 1, *end = s->end;
    Buf *a = &s->r->arena;
    size_t start = a->n;
    for (;;) {
        const unsigned char *q = p + plain_run(p, end);
        if (out && q > p && buf_put(a, p, q - p)) { s->oom = 1; return -1; }
        p = q;
        if (p >= end) return -1;
        unsigned char c = *p;
        if (c == '"') {
            p++;
            break;
        }
        if (c < 0x20) return -1;
        if (c >= 0x80) {
            int n = utf8_len(p, end);
            if (!n) return -1;
            if (out && buf_put(a, p, n)) { s->oom = 1; return -1; }
            p += n;
            continue;
        }
        /* backslash */
        if (end - p < 2) return -1;
        unsigned char e = p[1];
        char ch;
        switch (e) {
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case '/': ch = '/'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u': {
                if (end - p < 6) return -1;
                int h0 = hexval(p[2]), h1 = hexval(p[3]), h2 = hexval(p[4]), h3 = hexval(p[5]);
                if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0) return -1;
                unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                p += 6;
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    /* a high surrogate followed by a low one; anything else is left to Python */
                    if (cp > 0xDBFF || end - p < 6 || p[0] != '\\' || p[1] != 'u') return -1;
                    int l0 = hexval(p[2]), l1 = hexval(p[3]), l2 = hexval(p[4]), l3 = hexval(p[5]);
                    if (l0 < 0 || l1 < 0 || l2 < 0 || l3 < 0) return -1;
                    unsigned lo = (unsigned)(l0 << 12 | l1 << 8 | l2 << 4 | l3);
                    if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
                if (out) {
                    unsigned char u[4];
                    size_t n;
                    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
                    else if (cp < 0x800) { u[0] = 0xC0 | (cp >> 6); u[1] = 0x80 | (cp & 0x3F); n = 2; }
                    else if (cp < 0x10000) { u[0] = 0xE0 | (cp >> 12); u[1] = 0x80 | ((cp >> 6) & 0x3F); u[2] = 0x80 | (cp & 0x3F); n = 3; }
                    else { u[0] = 0xF0 | (cp >> 18); u[1] = 0x80 | ((cp >> 12) & 0x3F); u[2] = 0x80 | ((cp >> 6) & 0x3F); u[3] = 0x80 | (cp & 0x3F); n = 4; }
                    if (buf_put(a, u, n)) { s->oom = 1; return -1; }
                }
                continue;
            }
            default:
                return -1;
        }
        if (out && buf_put(a, &ch, 1)) { s->oom = 1; return -1; }
        p += 2;
    }
    s->p = p;
    if (out) {
        out->off = start;
        out->len = a->n - start;
        out->set = 1;
    }
    return 0;
}

/* A JSON number: kind 1 integer (fits int64: *iv), 2 any other valid number (*dv); 0 fallback. */
static int number(P *s, int64_t *iv, double *dv) {
    const unsigned char *p = s->p, *end = s->end, *start = p;
    int neg = 0, is_int = 1;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end) return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return 0;
    }
    const unsigned char *int_end = p;
    if (p < end && *p == '.') {
        is_int = 0;
        p++;
        if (p >= end || *p < '0' || *p > '9') return 0;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_int = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return 0;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    s->p = p;
    size_t digits = (size_t)(int_end - start) - (size_t)neg;
    if (is_int) {
        if (digits > 15) return 0; /* msgspec's handling of very large integers is left to Python */
        int64_t v = 0;
        for (const unsigned char *q = start + neg; q < int_end; q++) v = v * 10 + (*q - '0');
        if (neg) v = -v;
        if (neg && v == 0) return 0; /* -0: left to Python */
        *iv = v;
        *dv = (double)v;
        return 1;
    }
    if (p - start > 60) return 0;
    char tmp[64];
    memcpy(tmp, start, p - start);
    tmp[p - start] = 0;
    char *e;
    *dv = PyOS_string_to_double(tmp, &e, NULL); /* correctly rounded and locale-free, as msgspec's */
    if (e != tmp + (p - start) || !isfinite(*dv)) {
        PyErr_Clear();
        return 0;
    }
    return 2;
}

static int skip_value(P *s, int depth);

static int skip_container(P *s, int depth, unsigned char close, int is_object) {
    if (depth > MAX_DEPTH) return -1;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) { s->p++; return 0; }
    for (;;) {
        if (is_object) {
            if (s->p >= s->end || *s->p != '"' || string(s, NULL)) return -1;
            ws(s);
            if (s->p >= s->end || *s->p != ':') return -1;
            s->p++;
            ws(s);
        }
        if (skip_value(s, depth + 1)) return -1;
        ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == ',') { s->p++; ws(s); continue; }
        if (*s->p == close) { s->p++; return 0; }
        return -1;
    }
}

static int literal(P *s, const char *word, size_t n) {
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n)) return -1;
    s->p += n;
    return 0;
}

static int skip_value(P *s, int depth) {
    if (s->p >= s->end) return -1;
    int64_t iv;
    double dv;
    switch (*s->p) {
        case '"': return string(s, NULL);
        case '{': return skip_container(s, depth, '}', 1);
        case '[': return skip_container(s, depth, ']', 0);
        case 't': return literal(s, "true", 4);
        case 'f': return literal(s, "false", 5);
        case 'n': return literal(s, "null", 4);
        default: return number(s, &iv, &dv) ? 0 : -1;
    }
}

static inline int is_null(P *s) {
    if (s->p < s->end && *s->p == 'n') return literal(s, "null", 4) == 0 ? 1 : -1;
    return 0;
}

/* str | None */
static int opt_str(P *s, Str *out) {
    int n = is_null(s);
    if (n) { out->set = 0; return n > 0 ? 0 : -1; }
    if (s->p >= s->end || *s->p != '"') return -1;
    return string(s, out);
}

/* Iterates an object's keys: calls field(s, key, len, ctx) with s->p on the value. A declared key
 * seen twice in one object is a fallback (msgspec keeps the last; not worth the care here). */
typedef int (*FieldFn)(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen);

static int object(P *s, FieldFn field, void *ctx, int depth) {
    if (depth > MAX_DEPTH || s->p >= s->end || *s->p != '{') return -1;
    unsigned seen = 0;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') { s->p++; return 0; }
    for (;;) {
        if (s->p >= s->end || *s->p != '"') return -1;
        const unsigned char *k = s->p + 1, *q = k + plain_run(k, s->end);
        if (q >= s->end) return -1;
        const unsigned char *key = k;
        size_t klen = (size_t)(q - k);
        if (*q == '"') {
            s->p = q + 1;
        } else {
            /* an escaped key may spell a declared one (msgspec decodes it first): left to Python; a
             * non-ASCII key is none of them: validated and skipped */
            if (*q < 0x80) return -1;
            if (string(s, NULL)) return -1;
            key = NULL;
            klen = 0;
        }
        ws(s);
        if (s->p >= s->end || *s->p != ':') return -1;
        s->p++;
        ws(s);
        int rc = key ? field(s, key, klen, ctx, &seen) : 1;
        if (rc < 0) return -1;
        if (rc > 0 && skip_value(s, depth + 1)) return -1; /* not a declared field */
        ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == ',') { s->p++; ws(s); continue; }
        if (*s->p == '}') { s->p++; return 0; }
        return -1;
    }
}

#define KEY(lit) (len == sizeof(lit) - 1 && memcmp(key, lit, sizeof(lit) - 1) == 0)
#define ONCE(bit)                          \
    do {                                   \
        if (*seen & (1u << (bit))) return -1; \
        *seen |= 1u << (bit);              \
    } while (0)

/* an array: calls item(s, ctx) with s->p on each element */
typedef int (*ItemFn)(P *s, void *ctx, int depth);

static int array(P *s, ItemFn item, void *ctx, int depth) {
    if (depth > MAX_DEPTH || s->p >= s->end || *s->p != '[') return -1;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == ']') { s->p++; return 0; }
    for (;;) {
        if (item(s, ctx, depth + 1)) return -1;
        ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == ',') { s->p++; ws(s); continue; }
        if (*s->p == ']') { s->p++; return 0; }
        return -1;
    }
}

/* list[str] items into the record's string list */
static int str_item(P *s, void *ctx, int depth) {
    (void)ctx; (void)depth;
    Str v = {0};
    if (s->p >= s->end || *s->p != '"' || string(s, &v)) return -1;
    if (VEC_PUSH(s->r->strs, v)) { s->oom = 1; return -1; }
    return 0;
}

/* list[str] | None: (set, start, count) */
static int opt_str_list(P *s, int *set, size_t *start, size_t *count, int depth) {
    int n = is_null(s);
    if (n) { *set = 0; return n > 0 ? 0 : -1; }
    *start = s->r->strs.n;
    if (array(s, str_item, NULL, depth)) return -1;
    *set = 1;
    *count = s->r->strs.n - *start;
    return 0;
}

/* ---- TopicLevel {id: str?} */
static int level_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    if (KEY("id")) { ONCE(0); return opt_str(s, (Str *)ctx); }
    return 1;
}

static int opt_level(P *s, Str *id, int depth) {
    int n = is_null(s);
    if (n) { id->set = 0; return n > 0 ? 0 : -1; }
    id->set = 0;
    return object(s, level_field, id, depth);
}

/* float | None */
static int opt_float(P *s, double *v, int *has) {
    int n = is_null(s);
    if (n) { *has = 0; return n > 0 ? 0 : -1; }
    int64_t iv;
    if (!number(s, &iv, v)) return -1;
    *has = 1;
    return 0;
}

/* ---- Topic {id: str (required unless primary), subfield, field, domain, score} */
typedef struct {
    Topic *t;
    int id_seen;
} TopicCtx;

static int topic_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    TopicCtx *c = ctx;
    Topic *t = c->t;
    if (KEY("id")) { ONCE(0); c->id_seen = 1; return opt_str(s, &t->id); }
    if (KEY("subfield")) { ONCE(1); return opt_level(s, &t->subfield, 8); }
    if (KEY("field")) { ONCE(2); return opt_level(s, &t->field, 8); }
    if (KEY("domain")) { ONCE(3); return opt_level(s, &t->domain, 8); }
    if (KEY("score")) { ONCE(4); return opt_float(s, &t->score, &t->has_score); }
    return 1;
}

static int topic_item(P *s, void *ctx, int depth) {
    (void)ctx;
    Topic t;
    memset(&t, 0, sizeof t);
    TopicCtx c = {&t, 0};
    if (object(s, topic_field, &c, depth)) return -1;
    if (!t.id.set) return -1; /* topics[].id is a required str */
    if (VEC_PUSH(s->r->topics, t)) { s->oom = 1; return -1; }
    return 0;
}

/* ---- Concept {id: str (required), display_name, level: 0..32767, score} */
static int concept_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Concept *c = ctx;
    if (KEY("id")) { ONCE(0); return opt_str(s, &c->id); }
    if (KEY("display_name")) { ONCE(1); return opt_str(s, &c->name); }
    if (KEY("level")) {
        ONCE(2);
        int n = is_null(s);
        if (n) { c->has_level = 0; return n > 0 ? 0 : -1; }
        double dv;
        if (number(s, &c->level, &dv) != 1 || c->level < 0 || c->level > 32767) return -1;
        c->has_level = 1;
        return 0;
    }
    if (KEY("score")) { ONCE(3); return opt_float(s, &c->score, &c->has_score); }
    return 1;
}

static int concept_item(P *s, void *ctx, int depth) {
    (void)ctx;
    Concept c;
    memset(&c, 0, sizeof c);
    if (object(s, concept_field, &c, depth)) return -1;
    if (!c.id.set) return -1;
    if (VEC_PUSH(s->r->concepts, c)) { s->oom = 1; return -1; }
    return 0;
}

/* ---- InstitutionRef {id, display_name, country_code} */
static int inst_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Inst *i = ctx;
    if (KEY("id")) { ONCE(0); return opt_str(s, &i->id); }
    if (KEY("display_name")) { ONCE(1); return opt_str(s, &i->name); }
    if (KEY("country_code")) { ONCE(2); return opt_str(s, &i->country); }
    return 1;
}

static int inst_item(P *s, void *ctx, int depth) {
    (void)ctx;
    Inst i;
    memset(&i, 0, sizeof i);
    if (object(s, inst_field, &i, depth)) return -1;
    if (VEC_PUSH(s->r->insts, i)) { s->oom = 1; return -1; }
    return 0;
}

/* ---- Affiliation {raw_affiliation_string, institution_ids} */
static int aff_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Aff *f = ctx;
    if (KEY("raw_affiliation_string")) { ONCE(0); return opt_str(s, &f->raw); }
    if (KEY("institution_ids")) { ONCE(1); return opt_str_list(s, &f->ids_set, &f->ids_start, &f->ids_count, 10); }
    return 1;
}

static int aff_item(P *s, void *ctx, int depth) {
    (void)ctx;
    Aff f;
    memset(&f, 0, sizeof f);
    if (object(s, aff_field, &f, depth)) return -1;
    if (VEC_PUSH(s->r->affs, f)) { s->oom = 1; return -1; }
    return 0;
}

/* ---- AuthorRef {id} */
static int author_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    if (KEY("id")) { ONCE(0); return opt_str(s, (Str *)ctx); }
    return 1;
}

/* ---- Authorship */
static int authorship_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Authorship *a = ctx;
    Record *r = s->r;
    if (KEY("author_position")) { ONCE(0); return opt_str(s, &a->position); }
    if (KEY("author")) {
        ONCE(1);
        int n = is_null(s);
        if (n) { a->author_id.set = 0; return n > 0 ? 0 : -1; }
        return object(s, author_field, &a->author_id, 6);
    }
    if (KEY("institutions")) {
        ONCE(2);
        int n = is_null(s);
        if (n) { a->insts_set = 0; return n > 0 ? 0 : -1; }
        a->inst_start = r->insts.n;
        if (array(s, inst_item, NULL, 6)) return -1;
        a->insts_set = 1;
        a->inst_count = r->insts.n - a->inst_start;
        return 0;
    }
    if (KEY("countries")) { ONCE(3); return opt_str_list(s, &a->countries_set, &a->countries_start, &a->countries_count, 6); }
    if (KEY("raw_affiliation_strings")) { ONCE(4); return opt_str_list(s, &a->raws_set, &a->raws_start, &a->raws_count, 6); }
    if (KEY("affiliations")) {
        ONCE(5);
        int n = is_null(s);
        if (n) { a->affs_set = 0; return n > 0 ? 0 : -1; }
        a->aff_start = r->affs.n;
        if (array(s, aff_item, NULL, 6)) return -1;
        a->affs_set = 1;
        a->aff_count = r->affs.n - a->aff_start;
        return 0;
    }
    return 1;
}

static int authorship_item(P *s, void *ctx, int depth) {
    (void)ctx;
    Authorship a;
    memset(&a, 0, sizeof a);
    if (object(s, authorship_field, &a, depth)) return -1;
    if (VEC_PUSH(s->r->auths, a)) { s->oom = 1; return -1; }
    return 0;
}

/* ---- abstract_inverted_index {word: [int >= 0]} */
static int position_item(P *s, void *ctx, int depth) {
    (void)ctx; (void)depth;
    int64_t iv;
    double dv;
    if (number(s, &iv, &dv) != 1 || iv < 0) return -1;
    if (VEC_PUSH(s->r->positions, iv)) { s->oom = 1; return -1; }
    return 0;
}

static int abstract_object(P *s) {
    Record *r = s->r;
    if (s->p >= s->end || *s->p != '{') return -1;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') { s->p++; return 0; }
    for (;;) {
        if (s->p >= s->end || *s->p != '"') return -1;
        Word w;
        memset(&w, 0, sizeof w);
        if (string(s, &w.word)) return -1;
        ws(s);
        if (s->p >= s->end || *s->p != ':') return -1;
        s->p++;
        ws(s);
        w.pos_start = r->positions.n;
        if (array(s, position_item, NULL, 4)) return -1;
        w.pos_count = r->positions.n - w.pos_start;
        if (VEC_PUSH(r->words, w)) { s->oom = 1; return -1; }
        ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == ',') { s->p++; ws(s); continue; }
        if (*s->p == '}') { s->p++; return 0; }
        return -1;
    }
}

/* ---- Source, Location, Ids, the work */
static int source_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Record *r = ctx;
    if (KEY("id")) { ONCE(0); return opt_str(s, &r->src_id); }
    if (KEY("display_name")) { ONCE(1); return opt_str(s, &r->src_name); }
    if (KEY("issn_l")) { ONCE(2); return opt_str(s, &r->src_issn); }
    if (KEY("type")) { ONCE(3); return opt_str(s, &r->src_type); }
    return 1;
}

static int location_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Record *r = ctx;
    if (KEY("source")) {
        ONCE(0);
        int n = is_null(s);
        if (n) {
            r->source_set = 0;
            r->src_id.set = r->src_name.set = r->src_issn.set = r->src_type.set = 0;
            return n > 0 ? 0 : -1;
        }
        r->source_set = 1;
        return object(s, source_field, r, 4);
    }
    if (KEY("raw_type")) { ONCE(1); return opt_str(s, &r->raw_type); }
    if (KEY("raw_source_name")) { ONCE(2); return opt_str(s, &r->raw_source_name); }
    return 1;
}

static int ids_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    if (KEY("pmid")) { ONCE(0); return opt_str(s, (Str *)ctx); }
    return 1;
}

static int work_field(P *s, const unsigned char *key, size_t len, void *ctx, unsigned *seen) {
    Record *r = ctx;
    int n;
    if (KEY("id")) { ONCE(0); return opt_str(s, &r->id); }
    if (KEY("publication_year")) {
        ONCE(1);
        n = is_null(s);
        if (n) { r->year_state = 1; return n > 0 ? 0 : -1; }
        double dv;
        if (number(s, &r->year, &dv) != 1) return -1;
        r->year_state = 2;
        return 0;
    }
    if (KEY("doi")) { ONCE(2); return opt_str(s, &r->doi); }
    if (KEY("ids")) {
        ONCE(3);
        n = is_null(s);
        if (n) { r->pmid.set = 0; return n > 0 ? 0 : -1; }
        return object(s, ids_field, &r->pmid, 2);
    }
    if (KEY("type")) { ONCE(4); return opt_str(s, &r->type); }
    if (KEY("type_crossref")) { ONCE(5); return opt_str(s, &r->type_crossref); }
    if (KEY("title")) { ONCE(6); return opt_str(s, &r->title); }
    if (KEY("abstract_inverted_index")) {
        ONCE(7);
        n = is_null(s);
        if (n) { r->abstract_set = 0; return n > 0 ? 0 : -1; }
        r->abstract_set = 1;
        return abstract_object(s);
    }
    if (KEY("primary_location")) {
        ONCE(8);
        n = is_null(s);
        if (n) { r->loc_set = 0; return n > 0 ? 0 : -1; }
        r->loc_set = 1;
        return object(s, location_field, r, 2);
    }
    if (KEY("primary_topic")) {
        ONCE(9);
        n = is_null(s);
        if (n) { r->primary_set = 0; return n > 0 ? 0 : -1; }
        memset(&r->primary, 0, sizeof r->primary);
        TopicCtx c = {&r->primary, 0};
        r->primary_set = 1;
        return object(s, topic_field, &c, 2);
    }
    if (KEY("authorships")) {
        ONCE(10);
        n = is_null(s);
        if (n) { r->auths_set = 0; return n > 0 ? 0 : -1; }
        r->auths_set = 1;
        return array(s, authorship_item, NULL, 2);
    }
    if (KEY("referenced_works")) { ONCE(11); return opt_str_list(s, &r->refs_set, &r->refs_start, &r->refs_count, 2); }
    if (KEY("concepts")) {
        ONCE(12);
        n = is_null(s);
        if (n) { r->concepts_set = 0; return n > 0 ? 0 : -1; }
        r->concepts_set = 1;
        return array(s, concept_item, NULL, 2);
    }
    if (KEY("topics")) {
        ONCE(13);
        n = is_null(s);
        if (n) { r->topics_set = 0; return n > 0 ? 0 : -1; }
        r->topics_set = 1;
        return array(s, topic_item, NULL, 2);
    }
    return 1;
}

/* ------------------------------------------------------------------ the extractor */

enum {
    /* raw_works */
    W_ID, W_DOI, W_PMID, W_TYPE, W_TYPE_CROSSREF, W_TITLE, W_ABSTRACT, W_VENUE_ID, W_VENUE_TYPE, W_SUBFIELD,
    W_RAW_TYPE, W_RAW_SOURCE, W_VENUE_NAME, W_VENUE_ISSN,
    /* raw_authorships */
    A_WORK, A_POSITION, A_AUTHOR, A_INST_ID, A_INST_NAME, A_INST_COUNTRY, A_COUNTRIES, A_RAW, A_INST_RAW,
    /* raw_references */
    R_CITING, R_CITED,
    /* raw_work_concepts */
    C_WORK, C_ID, C_NAME,
    /* raw_work_topics */
    T_WORK, T_ID, T_SUBFIELD, T_FIELD, T_DOMAIN,
    N_STR
};

enum {
    W_YEAR /* int16 */, W_N_AUTHORS /* int32 */, W_N_REFS /* int32 */, W_LINE /* int64 */,
    A_SEQ /* int32 */, A_INST_SEQ /* int32 */, A_LINE, A_YEAR,
    R_LINE, R_YEAR,
    C_LEVEL /* int16 */, C_SCORE /* double */, C_LINE, C_YEAR,
    T_PRIMARY /* bool as uint8 */, T_SCORE, T_LINE, T_YEAR,
    N_NUM
};

static const char *STR_NAMES[N_STR] = {
    "raw_works.work_id", "raw_works.doi", "raw_works.pmid", "raw_works.type", "raw_works.type_crossref", "raw_works.title",
    "raw_works.abstract", "raw_works.venue_id", "raw_works.venue_type", "raw_works.primary_subfield_id",
    "raw_works.location_raw_type", "raw_works.location_raw_source_name", "raw_works.venue_display_name", "raw_works.venue_issn_l",
    "raw_authorships.work_id", "raw_authorships.author_position", "raw_authorships.author_id", "raw_authorships.institution_id",
    "raw_authorships.institution_name", "raw_authorships.institution_country_code", "raw_authorships.author_countries",
    "raw_authorships.raw_affiliation", "raw_authorships.institution_raw_affiliation",
    "raw_references.citing_work_id", "raw_references.cited_work_id",
    "raw_work_concepts.work_id", "raw_work_concepts.concept_id", "raw_work_concepts.concept_name",
    "raw_work_topics.work_id", "raw_work_topics.topic_id", "raw_work_topics.subfield_id", "raw_work_topics.field_id",
    "raw_work_topics.domain_id",
};

static const char *NUM_NAMES[N_NUM] = {
    "raw_works.publication_year", "raw_works.n_authors", "raw_works.n_references", "raw_works.line",
    "raw_authorships.author_seq", "raw_authorships.institution_seq", "raw_authorships.line", "raw_authorships.publication_year",
    "raw_references.line", "raw_references.publication_year",
    "raw_work_concepts.level", "raw_work_concepts.score", "raw_work_concepts.line", "raw_work_concepts.publication_year",
    "raw_work_topics.is_primary", "raw_work_topics.score", "raw_work_topics.line", "raw_work_topics.publication_year",
};

static const int NUM_WIDTH[N_NUM] = {2, 4, 4, 8, 4, 4, 8, 2, 8, 2, 2, 8, 8, 2, 1, 8, 8, 2};

typedef struct {
    PyObject_HEAD
    StrCol str[N_STR];
    NumCol num[N_NUM];
    int64_t lines_read; /* non-blank lines fed, read here or not */
    int64_t *year_lines; /* 65536 counters, Int16 years, of the records read here */
    Record rec;
    Buf scratch;
    VEC(int32_t) slots;
    int finished; /* finish() handed the columns over: no more feed or finish */
} Extractor;

static inline const char *A(Record *r, Str v) { return r->arena.p + v.off; }

/* the text after the last '/' (``snapshot.short_id``) */
static inline Str after_last_slash(Record *r, Str v) {
    const char *p = A(r, v);
    for (size_t i = v.len; i > 0; i--) {
        if (p[i - 1] == '/') {
            Str out = {v.off + i, v.len - i, 1};
            return out;
        }
    }
    return v;
}

/* ``works.short_list``'s rule: a leading https://openalex.org/ or http://openalex.org/ removed */
static inline Str without_openalex(Record *r, Str v) {
    const char *p = A(r, v);
    if (v.len >= 21 && memcmp(p, "https://openalex.org/", 21) == 0) { Str o = {v.off + 21, v.len - 21, 1}; return o; }
    if (v.len >= 20 && memcmp(p, "http://openalex.org/", 20) == 0) { Str o = {v.off + 20, v.len - 20, 1}; return o; }
    return v;
}

/* ``v.rstrip("/").rsplit("/", 1)[-1]`` (``works.tail_list``) */
static inline Str path_tail(Record *r, Str v) {
    const char *p = A(r, v);
    size_t end = v.len;
    while (end > 0 && p[end - 1] == '/') end--;
    size_t i = end;
    while (i > 0 && p[i - 1] != '/') i--;
    Str out = {v.off + i, end - i, 1};
    return out;
}

static inline int put(Extractor *x, int col, Str v) { return str_push(&x->str[col], A(&x->rec, v), v.len, v.set); }
static inline int put_null(Extractor *x, int col) { return str_push(&x->str[col], NULL, 0, 0); }
static inline int put_num(Extractor *x, int col, const void *v, int valid) { return num_push(&x->num[col], v, NUM_WIDTH[col], valid); }

/* the strings of list [start, start+count) joined by sep, into x->scratch; 0 ok */
static int join(Extractor *x, size_t start, size_t count, const char *sep, size_t seplen) {
    Record *r = &x->rec;
    x->scratch.n = 0;
    for (size_t i = 0; i < count; i++) {
        if (i && buf_put(&x->scratch, sep, seplen)) return -1;
        Str v = r->strs.p[start + i];
        if (buf_put(&x->scratch, A(r, v), v.len)) return -1;
    }
    return 0;
}

static inline int str_eq(Record *r, Str a, Str b) { return a.len == b.len && memcmp(A(r, a), A(r, b), a.len) == 0; }

typedef struct {
    int64_t pos;
    size_t seq;
    int32_t word;
} Placed;

static int by_position_then_order(const void *a, const void *b) {
    const Placed *p = a, *q = b;
    if (p->pos != q->pos) return p->pos < q->pos ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Positions beyond the count (gaps, ~1 % of real abstracts): the Python rebuild then maps each
 * position to the last word given it and joins them in position order; the same here. */
static int abstract_by_sorting(Extractor *x) {
    Record *r = &x->rec;
    size_t n = r->positions.n, k = 0;
    Placed *all = malloc((n ? n : 1) * sizeof *all);
    if (!all) return -2;
    for (size_t w = 0; w < r->words.n; w++) {
        Word *wd = &r->words.p[w];
        for (size_t j = 0; j < wd->pos_count; j++, k++) {
            all[k].pos = r->positions.p[wd->pos_start + j];
            all[k].seq = k;
            all[k].word = (int32_t)w;
        }
    }
    qsort(all, n, sizeof *all, by_position_then_order);
    x->scratch.n = 0;
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && all[i + 1].pos == all[i].pos) continue; /* a later word took this position */
        Str v = r->words.p[all[i].word].word;
        if ((!first && buf_put(&x->scratch, " ", 1)) || buf_put(&x->scratch, A(r, v), v.len)) { free(all); return -2; }
        first = 0;
    }
    free(all);
    return 1;
}

/* The abstract (``works.abstract_from_inverted_index``) into x->scratch: 1 written, 0 none, -1
 * fallback (a repeated word), -2 out of memory. */
static int abstract_text(Extractor *x) {
    Record *r = &x->rec;
    if (!r->abstract_set || r->words.n == 0) return 0;
    size_t n = r->positions.n;
    x->slots.n = 0;
    for (size_t i = 0; i < n; i++)
        if (VEC_PUSH(x->slots, -1)) return -2;
    int beyond = 0;
    for (size_t w = 0; w < r->words.n && !beyond; w++) {
        Word *wd = &r->words.p[w];
        for (size_t k = 0; k < wd->pos_count; k++) {
            int64_t p = r->positions.p[wd->pos_start + k];
            if ((uint64_t)p >= n) { beyond = 1; break; }
            x->slots.p[p] = (int32_t)w;
        }
    }
    /* a repeated word (msgspec's dict keeps its last positions) */
    if (r->words.n > 1) {
        size_t cap = 64;
        while (cap < r->words.n * 2) cap *= 2;
        int32_t *table = malloc(cap * sizeof *table);
        if (!table) return -2;
        for (size_t i = 0; i < cap; i++) table[i] = -1;
        for (size_t w = 0; w < r->words.n; w++) {
            Str v = r->words.p[w].word;
            uint64_t h = 1469598103934665603ULL;
            const unsigned char *q = (const unsigned char *)A(r, v);
            for (size_t i = 0; i < v.len; i++) h = (h ^ q[i]) * 1099511628211ULL;
            size_t j = (size_t)h & (cap - 1);
            while (table[j] >= 0) {
                if (str_eq(r, r->words.p[table[j]].word, v)) { free(table); return -1; }
                j = (j + 1) & (cap - 1);
            }
            table[j] = (int32_t)w;
        }
        free(table);
    }
    if (beyond) return abstract_by_sorting(x);
    x->scratch.n = 0;
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        int32_t w = x->slots.p[i];
        if (w < 0) continue;
        Str v = r->words.p[w].word;
        if ((!first && buf_put(&x->scratch, " ", 1)) || buf_put(&x->scratch, A(r, v), v.len)) return -2;
        first = 0;
    }
    return 1;
}

/* the rows of a read record (``ab``: 1 when its abstract's text is in x->scratch); -1 on out of memory */
static int emit(Extractor *x, int64_t line, int ab) {
    Record *r = &x->rec;
    int16_t year = (int16_t)r->year;
    Str own = after_last_slash(r, r->id);

    /* raw_works */
    if (put(x, W_ID, own)) return -1;
    if (put_num(x, W_YEAR, &year, 1)) return -1;
    if (r->doi.set) {
        Str d = r->doi;
        const char *p = A(r, d);
        static const char *prefixes[3] = {"https://doi.org/", "http://doi.org/", "doi:"};
        for (int k = 0; k < 3; k++) {
            size_t pl = strlen(prefixes[k]);
            if (d.len >= pl && strncasecmp(p, prefixes[k], pl) == 0) {
                d.off += pl;
                d.len -= pl;
                break;
            }
        }
        if (put(x, W_DOI, d)) return -1;
    } else if (put_null(x, W_DOI)) return -1;
    if (r->pmid.set) {
        Str t = path_tail(r, r->pmid);
        if (t.len ? put(x, W_PMID, t) : put_null(x, W_PMID)) return -1;
    } else if (put_null(x, W_PMID)) return -1;
    if (put(x, W_TYPE, r->type) || put(x, W_TYPE_CROSSREF, r->type_crossref) || put(x, W_TITLE, r->title)) return -1;
    if (ab == 1 ? str_push(&x->str[W_ABSTRACT], x->scratch.p, x->scratch.n, 1) : put_null(x, W_ABSTRACT)) return -1;
    Str venue = {0};
    if (r->loc_set && r->source_set && r->src_id.set) venue = after_last_slash(r, r->src_id);
    if (put(x, W_VENUE_ID, venue)) return -1;
    if (r->loc_set && r->source_set ? put(x, W_VENUE_TYPE, r->src_type) : put_null(x, W_VENUE_TYPE)) return -1;
    if (r->primary_set && r->primary.subfield.set) {
        Str t = path_tail(r, r->primary.subfield);
        if (t.len ? put(x, W_SUBFIELD, t) : put_null(x, W_SUBFIELD)) return -1;
    } else if (put_null(x, W_SUBFIELD)) return -1;
    int32_t n_auth = r->auths_set ? (int32_t)r->auths.n : 0;
    int32_t n_refs = r->refs_set ? (int32_t)r->refs_count : 0;
    if (put_num(x, W_N_AUTHORS, &n_auth, 1) || put_num(x, W_N_REFS, &n_refs, 1)) return -1;
    if (r->loc_set ? (put(x, W_RAW_TYPE, r->raw_type) || put(x, W_RAW_SOURCE, r->raw_source_name))
                   : (put_null(x, W_RAW_TYPE) || put_null(x, W_RAW_SOURCE)))
        return -1;
    if (put_num(x, W_LINE, &line, 1)) return -1;
    if (venue.len ? (put(x, W_VENUE_NAME, r->src_name) || put(x, W_VENUE_ISSN, r->src_issn))
                  : (put_null(x, W_VENUE_NAME) || put_null(x, W_VENUE_ISSN)))
        return -1;

    /* raw_authorships */
    for (size_t a = 0; a < (size_t)n_auth; a++) {
        Authorship *au = &r->auths.p[a];
        int32_t seq = (int32_t)a;
        Str author = au->author_id.set ? without_openalex(r, au->author_id) : au->author_id;
        size_t ninst = au->insts_set ? au->inst_count : 0;
        size_t rows = ninst ? ninst : 1;
        for (size_t k = 0; k < rows; k++) {
            int32_t iseq = (int32_t)k;
            if (put(x, A_WORK, own) || put_num(x, A_SEQ, &seq, 1) || put(x, A_POSITION, au->position) || put(x, A_AUTHOR, author))
                return -1;
            Inst *in = ninst ? &r->insts.p[au->inst_start + k] : NULL;
            if (put_num(x, A_INST_SEQ, &iseq, in != NULL)) return -1;
            if (in) {
                Str iid = in->id.set ? without_openalex(r, in->id) : in->id;
                if (put(x, A_INST_ID, iid) || put(x, A_INST_NAME, in->name) || put(x, A_INST_COUNTRY, in->country)) return -1;
            } else if (put_null(x, A_INST_ID) || put_null(x, A_INST_NAME) || put_null(x, A_INST_COUNTRY)) return -1;
            if (au->countries_set && au->countries_count) {
                if (join(x, au->countries_start, au->countries_count, "|", 1) ||
                    str_push(&x->str[A_COUNTRIES], x->scratch.p, x->scratch.n, 1))
                    return -1;
            } else if (put_null(x, A_COUNTRIES)) return -1;
            int has_raw = au->raws_set && au->raws_count;
            if (has_raw) {
                if (join(x, au->raws_start, au->raws_count, " ; ", 3) || str_push(&x->str[A_RAW], x->scratch.p, x->scratch.n, 1))
                    return -1;
            } else if (put_null(x, A_RAW)) return -1;
            if (!in) { /* an authorship without institutions: its raw strings as they are */
                if (has_raw ? str_push(&x->str[A_INST_RAW], x->scratch.p, x->scratch.n, 1) : put_null(x, A_INST_RAW)) return -1;
                continue;
            }
            /* the institution's own strings (``works._strings_by_institution``), in order, each once */
            x->scratch.n = 0;
            size_t found = 0;
            if (au->affs_set && in->id.set) {
                for (size_t f = 0; f < au->aff_count; f++) {
                    Aff *af = &r->affs.p[au->aff_start + f];
                    if (!af->raw.set || !af->ids_set) continue;
                    int names_it = 0;
                    for (size_t j = 0; j < af->ids_count && !names_it; j++) names_it = str_eq(r, r->strs.p[af->ids_start + j], in->id);
                    if (!names_it) continue;
                    int seen_before = 0;
                    for (size_t g = 0; g < f && !seen_before; g++) {
                        Aff *bf = &r->affs.p[au->aff_start + g];
                        if (!bf->raw.set || !bf->ids_set || !str_eq(r, bf->raw, af->raw)) continue;
                        for (size_t j = 0; j < bf->ids_count && !seen_before; j++) seen_before = str_eq(r, r->strs.p[bf->ids_start + j], in->id);
                    }
                    if (seen_before) continue;
                    if ((found && buf_put(&x->scratch, " ; ", 3)) || buf_put(&x->scratch, A(r, af->raw), af->raw.len)) return -1;
                    found++;
                }
            }
            if (found ? str_push(&x->str[A_INST_RAW], x->scratch.p, x->scratch.n, 1) : put_null(x, A_INST_RAW)) return -1;
        }
    }
    int64_t l = line;
    int16_t y = year;
    /* the child tables' line and year columns */
    int64_t n_author_rows = x->str[A_WORK].n - x->num[A_LINE].n;
    for (int64_t i = 0; i < n_author_rows; i++)
        if (put_num(x, A_LINE, &l, 1) || put_num(x, A_YEAR, &y, 1)) return -1;

    /* raw_references */
    if (r->refs_set) {
        for (size_t k = 0; k < r->refs_count; k++) {
            Str v = r->strs.p[r->refs_start + k];
            if (put(x, R_CITING, own) || put(x, R_CITED, without_openalex(r, v)) || put_num(x, R_LINE, &l, 1) || put_num(x, R_YEAR, &y, 1))
                return -1;
        }
    }

    /* raw_work_concepts */
    if (r->concepts_set) {
        for (size_t k = 0; k < r->concepts.n; k++) {
            Concept *c = &r->concepts.p[k];
            int16_t lv = (int16_t)c->level;
            if (put(x, C_WORK, own) || put(x, C_ID, without_openalex(r, c->id)) || put(x, C_NAME, c->name) ||
                put_num(x, C_LEVEL, &lv, c->has_level) || put_num(x, C_SCORE, &c->score, c->has_score) ||
                put_num(x, C_LINE, &l, 1) || put_num(x, C_YEAR, &y, 1))
                return -1;
        }
    }

    /* raw_work_topics: the topics, or the primary topic when there are none and it has an id */
    Topic *topics = r->topics.p;
    size_t n_topics = r->topics_set ? r->topics.n : 0;
    if (!n_topics && r->primary_set && r->primary.id.set) {
        topics = &r->primary;
        n_topics = 1;
    }
    for (size_t k = 0; k < n_topics; k++) {
        Topic *t = &topics[k];
        uint8_t primary = r->primary_set && r->primary.id.set && str_eq(r, t->id, r->primary.id);
        Str sub = t->subfield.set ? path_tail(r, t->subfield) : t->subfield;
        Str fld = t->field.set ? path_tail(r, t->field) : t->field;
        Str dom = t->domain.set ? path_tail(r, t->domain) : t->domain;
        if (put(x, T_WORK, own) || put(x, T_ID, without_openalex(r, t->id)) || put_num(x, T_PRIMARY, &primary, 1) ||
            put(x, T_SUBFIELD, sub) || put(x, T_FIELD, fld) || put(x, T_DOMAIN, dom) ||
            put_num(x, T_SCORE, &t->score, t->has_score) || put_num(x, T_LINE, &l, 1) || put_num(x, T_YEAR, &y, 1))
            return -1;
    }
    return 0;
}

/* One line: 0 its rows appended, -1 left to Python (decided before any row is appended), -2 out of
 * memory (rows may be half appended: the extractor is not usable any more, see feed). */
static int read_line(Extractor *x, const unsigned char *p, const unsigned char *end, int64_t line) {
    record_reset(&x->rec);
    P s = {p, end, &x->rec, 0};
    ws(&s);
    int rc = object(&s, work_field, &x->rec, 0);
    if (s.oom) return -2;
    if (rc) return -1;
    ws(&s);
    if (s.p != s.end) return -1;
    Record *r = &x->rec;
    if (r->year_state != 2 || r->year < -32768 || r->year > 32767) return -1;
    if (!r->id.set || after_last_slash(r, r->id).len == 0) return -1;
    /* an abstract the C reader does not rebuild (a repeated word) is left to Python; else its text
     * waits in x->scratch for emit */
    int ab = abstract_text(x);
    if (ab == -2) return -2;
    if (ab == -1) return -1;
    if (emit(x, line, ab)) return -2;
    x->year_lines[(int32_t)r->year + 32768]++;
    return 0;
}

static int Extractor_init(Extractor *x, PyObject *args, PyObject *kw) {
    if (!PyArg_ParseTuple(args, "")) return -1;
    for (int i = 0; i < N_STR; i++)
        if (str_init(&x->str[i])) { PyErr_NoMemory(); return -1; }
    x->year_lines = calloc(65536, sizeof(int64_t));
    if (!x->year_lines) { PyErr_NoMemory(); return -1; }
    return 0;
}

static void Extractor_dealloc(Extractor *x) {
    for (int i = 0; i < N_STR; i++) { buf_free(&x->str[i].off); buf_free(&x->str[i].data); buf_free(&x->str[i].valid); }
    for (int i = 0; i < N_NUM; i++) { buf_free(&x->num[i].vals); buf_free(&x->num[i].valid); }
    free(x->year_lines);
    record_free(&x->rec);
    buf_free(&x->scratch);
    free(x->slots.p);
    Py_TYPE(x)->tp_free((PyObject *)x);
}

static inline int blank(const unsigned char *p, const unsigned char *end) {
    if (p == end) return 1;
    for (; p < end; p++)
        if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\x0b' || *p == '\x0c')) return 0;
    return 1;
}

/* feed(data, lineno, final, fallback) -> the last line number */
static PyObject *Extractor_feed(Extractor *x, PyObject *args) {
    Py_buffer view;
    long long lineno;
    int final;
    PyObject *fallback;
    if (!PyArg_ParseTuple(args, "y*LpO!", &view, &lineno, &final, &PyList_Type, &fallback)) return NULL;
    if (x->finished) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "feed after finish");
        return NULL;
    }
    const unsigned char *p = view.buf, *end = p + view.len;
    int64_t ln = lineno;
    int failed = 0;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', end - p);
        if (!nl && !final) { /* the caller gives whole lines, the last one without a newline only at the end */
            PyErr_SetString(PyExc_ValueError, "feed: data must end with a newline unless final");
            failed = 1;
            break;
        }
        const unsigned char *stop = nl ? nl : end;
        ln++;
        if (!blank(p, stop)) {
            x->lines_read++;
            int rc = read_line(x, p, stop, ln);
            if (rc == -2) {
                x->finished = 1; /* a record's rows may be half appended: no more feed or finish */
                PyErr_NoMemory();
                failed = 1;
                break;
            }
            if (rc) {
                PyObject *item = Py_BuildValue("(Ly#)", (long long)ln, (const char *)p, (Py_ssize_t)(stop - p));
                if (!item || PyList_Append(fallback, item)) { Py_XDECREF(item); failed = 1; break; }
                Py_DECREF(item);
            }
        }
        p = nl ? nl + 1 : end;
    }
    PyBuffer_Release(&view);
    if (failed) return NULL;
    return PyLong_FromLongLong(ln);
}

/* a buffer's bytes as a Python bytes object; the buffer is freed (finish gives each column once) */
static PyObject *bytes_of(Buf *b) {
    PyObject *out = PyBytes_FromStringAndSize(b->p ? b->p : "", (Py_ssize_t)b->n);
    buf_free(b);
    return out;
}

/* finish() -> (lines read, {year: lines}, {column: (length, offsets|values, data|None, validity)}) */
static PyObject *Extractor_finish(Extractor *x, PyObject *noargs) {
    if (x->finished) {
        PyErr_SetString(PyExc_RuntimeError, "finish called twice: the columns were handed over");
        return NULL;
    }
    x->finished = 1;
    PyObject *years = PyDict_New(), *cols = PyDict_New();
    if (!years || !cols) goto fail;
    for (int i = 0; i < 65536; i++) {
        if (!x->year_lines[i]) continue;
        PyObject *k = PyLong_FromLong(i - 32768), *v = PyLong_FromLongLong(x->year_lines[i]);
        if (!k || !v || PyDict_SetItem(years, k, v)) { Py_XDECREF(k); Py_XDECREF(v); goto fail; }
        Py_DECREF(k);
        Py_DECREF(v);
    }
    for (int i = 0; i < N_STR; i++) {
        StrCol *c = &x->str[i];
        PyObject *t = Py_BuildValue("(LNNN)", (long long)c->n, bytes_of(&c->off), bytes_of(&c->data), bytes_of(&c->valid));
        if (!t || PyDict_SetItemString(cols, STR_NAMES[i], t)) { Py_XDECREF(t); goto fail; }
        Py_DECREF(t);
    }
    for (int i = 0; i < N_NUM; i++) {
        NumCol *c = &x->num[i];
        PyObject *t = Py_BuildValue("(LNON)", (long long)c->n, bytes_of(&c->vals), Py_None, bytes_of(&c->valid));
        if (!t || PyDict_SetItemString(cols, NUM_NAMES[i], t)) { Py_XDECREF(t); goto fail; }
        Py_DECREF(t);
    }
    return Py_BuildValue("(LNN)", (long long)x->lines_read, years, cols);
fail:
    Py_XDECREF(years);
    Py_XDECREF(cols);
    return NULL;
}

static PyMethodDef Extractor_methods[] = {
    {"feed", (PyCFunction)Extractor_feed, METH_VARARGS,
     "feed(data, lineno, final, fallback) -> last line number: read the lines of data (numbered from lineno + 1; "
     "whole lines, the last one without a newline only when final); lines not read here go to fallback as (lineno, line)"},
    {"finish", (PyCFunction)Extractor_finish, METH_NOARGS,
     "finish() -> (lines read, {year: lines of records read here}, {table.column: (length, offsets or values, data or None, validity)}); "
     "once: the columns' memory is handed over"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ExtractorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aigeo_assets.ingest._native_works.Extractor",
    .tp_basicsize = sizeof(Extractor),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled fast path of the works part reader (aigeo_assets.ingest.native_works).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Extractor_init,
    .tp_dealloc = (destructor)Extractor_dealloc,
    .tp_methods = Extractor_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native_works", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__native_works(void) {
    if (PyType_Ready(&ExtractorType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ExtractorType);
    if (PyModule_AddObject(m, "Extractor", (PyObject *)&ExtractorType) < 0) {
        Py_DECREF(&ExtractorType);
        Py_DECREF(m);
        return NULL;
    }
#ifdef AIGEO_SOURCE_SHA
    PyModule_AddStringConstant(m, "SOURCE_SHA", AIGEO_SOURCE_SHA);
#endif
    return m;
}
