/* The compiled fast path of the PubMed intact reader (``aigeo_assets.lifesci.native_pubmed``).
 *
 * ``parse(batch, closed, first, offset, max_field)`` reads one document of ``_IntactSource.batches()`` (whole
 * records under the root, then, when ``closed``, the sentinel ``<_/>``) with a strict XML reader
 * of its own and returns ``(root_tag, records, sentinel_line)``: per record element, in document
 * order, a tuple of the raw fields ``pubmed._native_item`` turns into the item the lxml walk
 * (``pubmed._item``) gives. It returns None -- "I cannot vouch for this batch", lxml reads it --
 * whenever anything is outside the strict subset it knows: bytes that are not UTF-8 or not XML 1.0
 * characters, a carriage return, a comment, CDATA section, processing instruction (the head's XML
 * declaration apart), a DOCTYPE with an internal subset, an entity other than XML's five and
 * character references to legal characters, a default namespace, a namespace prefix not bound here to
 * MathML's or XLink's namespace (or a prefixed attribute other than such a binding), a duplicate
 * attribute, a malformed or mismatched tag, a child of the root that is not a record (or the
 * sentinel), a record start tag over several lines, more than 65,000 lines, or depth beyond 200.
 * Python's white space (``str.split``/``str.strip``) is matched code point by code point; text that
 * Python would treat in ways beyond a plain scan (a non-ASCII DOI, a MedlineDate with non-ASCII
 * characters, a year that is not ASCII digits) is handed back raw for Python to decide.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef AIGEO_SOURCE_SHA
#define AIGEO_SOURCE_SHA "unknown"
#endif

#define MAX_DEPTH 200
#define MAX_LINES 65000

#define BUF_FIRST_CAP 4096
#include "native_buf.h"

/* ------------------------------------------------------------------ the tree */

typedef struct {
    const char *name;
    int nlen;
    int parent, first, last, next;
    int a0, an;          /* attributes */
    size_t t0, t1, t2;   /* decoded text: [t0, t1) el.text, [t0, t2) all text inside */
    int line;
    int multiline;       /* start tag over several lines */
} Node;

typedef struct {
    const char *name;
    int nlen;
    size_t v0, vlen; /* in the attribute buffer */
} Attr;

typedef struct {
    Node *nodes;
    int nn, ncap;
    Attr *attrs;
    int na, acap;
    Buf text;  /* character data in document order, decoded */
    Buf aval;  /* attribute values, decoded */
    Buf scratch;
} Doc;

static void doc_free(Doc *d) {
    free(d->nodes);
    free(d->attrs);
    buf_free(&d->text);
    buf_free(&d->aval);
    buf_free(&d->scratch);
}

/* The index of a new slot at the end of the array *items (n used of *cap, each size bytes),
 * doubling it when full; -1 when out of memory. */
static int new_slot(void **items, int *n, int *cap, size_t size) {
    if (*n == *cap) {
        int grown = *cap ? *cap * 2 : 1024;
        void *q = realloc(*items, (size_t)grown * size);
        if (!q) return -1;
        *items = q;
        *cap = grown;
    }
    return (*n)++;
}

static int new_node(Doc *d) { return new_slot((void **)&d->nodes, &d->nn, &d->ncap, sizeof(Node)); }

static int new_attr(Doc *d) { return new_slot((void **)&d->attrs, &d->na, &d->acap, sizeof(Attr)); }

/* ------------------------------------------------------------------ UTF-8 and characters */

/* Check the whole batch: strict UTF-8 of XML 1.0 characters, no carriage return. 0, or -1. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static int check_chars(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) { /* eight plain ASCII characters at a time: no byte >= 0x80 nor < 0x20 */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!((w | ((w - 0x20 * ONES) & ~w)) & HIGHS)) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\n' && c != '\t') return -1;
            i++;
            continue;
        }
        uint32_t cp;
        int k;
        if (c >= 0xC2 && c <= 0xDF) { cp = c & 0x1F; k = 1; }
        else if (c >= 0xE0 && c <= 0xEF) { cp = c & 0x0F; k = 2; }
        else if (c >= 0xF0 && c <= 0xF4) { cp = c & 0x07; k = 3; }
        else return -1;
        if (i + (size_t)k >= n) return -1;
        for (int j = 1; j <= k; j++) {
            unsigned cc = s[i + j];
            if ((cc & 0xC0) != 0x80) return -1;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (k == 2 && cp < 0x800) return -1;
        if (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) return -1;
        if (cp >= 0xD800 && cp <= 0xDFFF) return -1;
        if (cp == 0xFFFE || cp == 0xFFFF) return -1;
        i += (size_t)k + 1;
    }
    return 0;
}

static inline uint32_t decode_at(const unsigned char *s, size_t *len) {
    unsigned c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c < 0xE0) { *len = 2; return ((c & 0x1F) << 6) | (s[1] & 0x3F); }
    if (c < 0xF0) { *len = 3; return ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F); }
    *len = 4;
    return ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* Python's str.isspace */
static inline int is_space(uint32_t c) {
    if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
    if (c == 0x85 || c == 0xA0 || c == 0x1680) return 1;
    if (c >= 0x2000 && c <= 0x200A) return 1;
    return c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static int put_utf8(Buf *b, uint32_t cp) {
    unsigned char o[4];
    size_t k;
    if (cp < 0x80) { o[0] = (unsigned char)cp; k = 1; }
    else if (cp < 0x800) { o[0] = 0xC0 | (cp >> 6); o[1] = 0x80 | (cp & 0x3F); k = 2; }
    else if (cp < 0x10000) { o[0] = 0xE0 | (cp >> 12); o[1] = 0x80 | ((cp >> 6) & 0x3F); o[2] = 0x80 | (cp & 0x3F); k = 3; }
    else { o[0] = 0xF0 | (cp >> 18); o[1] = 0x80 | ((cp >> 12) & 0x3F); o[2] = 0x80 | ((cp >> 6) & 0x3F); o[3] = 0x80 | (cp & 0x3F); k = 4; }
    return buf_put(b, o, k);
}

static inline int is_xml_char(uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
        || (c >= 0x10000 && c <= 0x10FFFF);
}

/* ------------------------------------------------------------------ the XML reader */

#define MAX_NS 64

typedef struct {
    const char *prefix;
    int len;
    int owner; /* the node declaring it */
} NsDecl;

typedef struct {
    const char *s, *p, *end;
    int line; /* 1-based line of p */
    Doc *d;
    NsDecl ns[MAX_NS]; /* namespace prefixes in scope, innermost last */
    int nns;
} Reader;

/* The namespaces a prefix may be bound to here (MathML's, XLink's): libxml2 rejects an empty or
 * malformed URI, so any other is left to it. */
static const char *KNOWN_NS[] = {"http://www.w3.org/1998/Math/MathML", "http://www.w3.org/1999/xlink"};

static unsigned char NAME_CHAR[256]; /* 1: may start a name, 2: may continue one */
static unsigned char TEXT_STOP[256];  /* ends a plain run of character data */

static void init_tables(void) {
    for (int c = 0; c < 256; c++) {
        int start = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        int more = start || (c >= '0' && c <= '9') || c == '-' || c == '.';
        NAME_CHAR[c] = (unsigned char)((start ? 1 : 0) | (more ? 2 : 0));
        TEXT_STOP[c] = c == '<' || c == '&' || c == ']' || c == '\n';
    }
}

static inline int name_start(unsigned char c) { return NAME_CHAR[c] & 1; }
static inline int name_char(unsigned char c) { return NAME_CHAR[c] & 2; }
static inline int ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n'; }

static void skip_ws(Reader *r) {
    while (r->p < r->end && ws((unsigned char)*r->p)) {
        if (*r->p == '\n') r->line++;
        r->p++;
    }
}

/* An entity or character reference at r->p ('&'), decoded into b. 0, or -1 to defer. */
static int reference(Reader *r, Buf *b) {
    const char *p = r->p + 1, *end = r->end;
    if (p < end && *p == '#') {
        p++;
        uint32_t v = 0;
        int digits = 0;
        if (p < end && *p == 'x') {
            p++;
            while (p < end && *p != ';') {
                char c = *p;
                int h;
                if (c >= '0' && c <= '9') h = c - '0';
                else if (c >= 'a' && c <= 'f') h = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') h = c - 'A' + 10;
                else return -1;
                if (++digits > 8) return -1;
                v = v * 16 + (uint32_t)h;
                p++;
            }
        } else {
            while (p < end && *p != ';') {
                char c = *p;
                if (c < '0' || c > '9') return -1;
                if (++digits > 9) return -1;
                v = v * 10 + (uint32_t)(c - '0');
                p++;
            }
        }
        if (p >= end || !digits || !is_xml_char(v)) return -1;
        if (put_utf8(b, v)) return -1;
        r->p = p + 1;
        return 0;
    }
    static const struct { const char *name; int len; char c; } known[] = {
        {"amp;", 4, '&'}, {"lt;", 3, '<'}, {"gt;", 3, '>'}, {"quot;", 5, '"'}, {"apos;", 5, '\''},
    };
    for (int i = 0; i < 5; i++) {
        if (end - p >= known[i].len && memcmp(p, known[i].name, (size_t)known[i].len) == 0) {
            if (buf_put(b, &known[i].c, 1)) return -1;
            r->p = p + known[i].len;
            return 0;
        }
    }
    return -1;
}

/* A name that may hold one namespace prefix (*plen: its length, 0 without). */
static int read_qname(Reader *r, const char **name, int *nlen, int *plen) {
    const char *p = r->p;
    if (p >= r->end || !name_start((unsigned char)*p)) return -1;
    while (p < r->end && name_char((unsigned char)*p)) p++;
    *plen = 0;
    if (p < r->end && *p == ':') {
        *plen = (int)(p - r->p);
        p++;
        if (p >= r->end || !name_start((unsigned char)*p)) return -1;
        while (p < r->end && name_char((unsigned char)*p)) p++;
        if (p < r->end && *p == ':') return -1;
    }
    if (p - r->p > 1000) return -1; /* libxml2 limits names */
    *name = r->p;
    *nlen = (int)(p - r->p);
    r->p = p;
    return 0;
}

static int reserved_prefix(const char *p, int len) {
    return (len == 3 && memcmp(p, "xml", 3) == 0) || (len == 5 && memcmp(p, "xmlns", 5) == 0);
}

static void pop_ns(Reader *r, int owner) {
    while (r->nns > 0 && r->ns[r->nns - 1].owner == owner) r->nns--;
}

static int read_name(Reader *r, const char **name, int *nlen) {
    const char *p = r->p;
    if (p >= r->end || !name_start((unsigned char)*p)) return -1;
    while (p < r->end && name_char((unsigned char)*p)) p++;
    if (p < r->end && *p == ':') return -1; /* a namespace prefix */
    if (p - r->p > 1000) return -1;         /* libxml2 limits names */
    *name = r->p;
    *nlen = (int)(p - r->p);
    r->p = p;
    return 0;
}

/* Character data up to the next '<' (or the end), appended to the text buffer. */
static int char_data(Reader *r, int outside) {
    Buf *b = &r->d->text;
    while (r->p < r->end && *r->p != '<') {
        const char *q = r->p;
        while (q < r->end && !TEXT_STOP[(unsigned char)*q]) q++;
        if (outside) {
            for (const char *t = r->p; t < q; t++)
                if (!ws((unsigned char)*t)) return -1;
        }
        if (buf_put(b, r->p, (size_t)(q - r->p))) return -1;
        r->p = q;
        if (q >= r->end || *q == '<') break;
        if (*q == '&') {
            if (outside || reference(r, b)) return -1;
        } else if (*q == ']') {
            if (outside) return -1;
            if (r->end - q >= 3 && q[1] == ']' && q[2] == '>') return -1;
            if (buf_put(b, q, 1)) return -1;
            r->p++;
        } else { /* newline */
            r->line++;
            if (buf_put(b, q, 1)) return -1;
            r->p++;
        }
    }
    return 0;
}

/* A start tag at r->p ('<' then a name). Returns the node, or -1 to defer; *empty for "/>". */
static int start_tag(Reader *r, int parent, int *empty) {
    Doc *d = r->d;
    int line0 = r->line;
    r->p++;
    const char *name;
    int nlen, plen;
    if (read_qname(r, &name, &nlen, &plen)) return -1;
    if (plen && reserved_prefix(name, plen)) return -1;
    int k = new_node(d);
    if (k < 0) return -1;
    Node *n = &d->nodes[k];
    n->name = name;
    n->nlen = nlen;
    n->parent = parent;
    n->first = n->last = n->next = -1;
    n->a0 = d->na;
    n->an = 0;
    for (;;) {
        const char *before = r->p;
        skip_ws(r);
        if (r->p >= r->end) return -1;
        char c = *r->p;
        if (c == '>') { r->p++; *empty = 0; break; }
        if (c == '/') {
            if (r->end - r->p < 2 || r->p[1] != '>') return -1;
            r->p += 2;
            *empty = 1;
            break;
        }
        if (r->p == before) return -1; /* attributes need white space before them */
        const char *an;
        int al, apl;
        if (read_qname(r, &an, &al, &apl)) return -1;
        if (!apl && al >= 5 && memcmp(an, "xmlns", 5) == 0) return -1; /* a default namespace */
        int declares = apl == 5 && memcmp(an, "xmlns", 5) == 0;
        if (apl && !declares) return -1; /* a prefixed attribute */
        if (declares && reserved_prefix(an + 6, al - 6)) return -1;
        skip_ws(r);
        if (r->p >= r->end || *r->p != '=') return -1;
        r->p++;
        skip_ws(r);
        if (r->p >= r->end || (*r->p != '"' && *r->p != '\'')) return -1;
        char quote = *r->p++;
        size_t v0 = d->aval.n;
        while (r->p < r->end && *r->p != quote) {
            char cc = *r->p;
            if (cc == '<') return -1;
            if (cc == '&') {
                if (reference(r, &d->aval)) return -1;
                continue;
            }
            if (cc == '\n' || cc == '\t') { /* attribute-value normalization: a space */
                if (cc == '\n') r->line++;
                cc = ' ';
            }
            if (buf_put(&d->aval, &cc, 1)) return -1;
            r->p++;
        }
        if (r->p >= r->end) return -1;
        r->p++;
        n = &d->nodes[k];
        for (int i = n->a0; i < n->a0 + n->an; i++)
            if (d->attrs[i].nlen == al && memcmp(d->attrs[i].name, an, (size_t)al) == 0) return -1;
        if (declares) {
            size_t vl = d->aval.n - v0;
            int known = 0;
            for (size_t i = 0; i < sizeof KNOWN_NS / sizeof *KNOWN_NS; i++)
                if (strlen(KNOWN_NS[i]) == vl && memcmp(d->aval.p + v0, KNOWN_NS[i], vl) == 0) known = 1;
            if (!known || r->nns == MAX_NS) return -1;
            r->ns[r->nns].prefix = an + 6;
            r->ns[r->nns].len = al - 6;
            r->ns[r->nns].owner = k;
            r->nns++;
        }
        int ai = new_attr(d);
        if (ai < 0) return -1;
        d->attrs[ai].name = an;
        d->attrs[ai].nlen = al;
        d->attrs[ai].v0 = v0;
        d->attrs[ai].vlen = d->aval.n - v0;
        n->an++;
    }
    if (plen) { /* the prefix must be bound, here or above */
        int bound = 0;
        for (int i = r->nns - 1; i >= 0 && !bound; i--)
            bound = r->ns[i].len == plen && memcmp(r->ns[i].prefix, name, (size_t)plen) == 0;
        if (!bound) return -1;
    }
    n = &d->nodes[k];
    n->line = line0;
    n->multiline = r->line != line0;
    if (parent >= 0) {
        Node *pn = &d->nodes[parent];
        if (pn->first < 0) {
            pn->first = k;
            pn->t1 = d->text.n;
        } else {
            d->nodes[pn->last].next = k;
        }
        pn->last = k;
    }
    n->t0 = n->t1 = n->t2 = d->text.n;
    return k;
}

/* The prolog before the root (first batch only): an XML declaration of version 1.0 in UTF-8,
 * white space and a DOCTYPE without internal subset. 0, or -1 to defer. */
static int prolog(Reader *r) {
    if (r->end - r->p >= 5 && memcmp(r->p, "<?xml", 5) == 0) {
        r->p += 5;
        const char *names[] = {"version", "encoding", "standalone"};
        int seen = 0, version_ok = 0;
        for (;;) {
            const char *before = r->p;
            skip_ws(r);
            if (r->end - r->p >= 2 && r->p[0] == '?' && r->p[1] == '>') { r->p += 2; break; }
            if (r->p == before) return -1;
            const char *an;
            int al;
            if (read_name(r, &an, &al)) return -1;
            int which = -1;
            for (int i = seen; i < 3; i++)
                if ((int)strlen(names[i]) == al && memcmp(an, names[i], (size_t)al) == 0) which = i;
            if (which < 0 || (which > 0 && !version_ok)) return -1;
            seen = which + 1;
            skip_ws(r);
            if (r->p >= r->end || *r->p != '=') return -1;
            r->p++;
            skip_ws(r);
            if (r->p >= r->end || (*r->p != '"' && *r->p != '\'')) return -1;
            char q = *r->p++;
            const char *v = r->p;
            while (r->p < r->end && *r->p != q && *r->p != '\n' && *r->p != '<') r->p++;
            if (r->p >= r->end || *r->p != q) return -1;
            size_t vl = (size_t)(r->p - v);
            r->p++;
            if (which == 0) {
                if (vl != 3 || memcmp(v, "1.0", 3) != 0) return -1;
                version_ok = 1;
            } else if (which == 1) {
                if (!(vl == 5 && strncasecmp(v, "utf-8", 5) == 0)) return -1;
            } else {
                if (!((vl == 3 && memcmp(v, "yes", 3) == 0) || (vl == 2 && memcmp(v, "no", 2) == 0))) return -1;
            }
        }
        if (!version_ok) return -1;
    }
    int doctype = 0;
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '<') return -1;
        if (r->end - r->p >= 9 && memcmp(r->p, "<!DOCTYPE", 9) == 0) {
            if (doctype) return -1;
            doctype = 1;
            r->p += 9;
            const char *before = r->p;
            skip_ws(r);
            if (r->p == before) return -1;
            const char *nm;
            int nl;
            if (read_name(r, &nm, &nl)) return -1;
            int ids = 0;
            for (;;) {
                before = r->p;
                skip_ws(r);
                if (r->p >= r->end) return -1;
                if (*r->p == '>') { r->p++; break; }
                if (r->p == before) return -1;
                if (ids == 0) {
                    if (r->end - r->p >= 6 && memcmp(r->p, "PUBLIC", 6) == 0) { ids = 2; r->p += 6; }
                    else if (r->end - r->p >= 6 && memcmp(r->p, "SYSTEM", 6) == 0) { ids = 1; r->p += 6; }
                    else return -1;
                    continue;
                }
                if (ids < 0) return -1;
                if (*r->p != '"' && *r->p != '\'') return -1;
                char q = *r->p++;
                while (r->p < r->end && *r->p != q) {
                    if (*r->p == '\n') r->line++;
                    r->p++;
                }
                if (r->p >= r->end) return -1;
                r->p++;
                if (--ids == 0) ids = -1;
            }
            if (ids > 0) return -1;
            continue;
        }
        if (r->end - r->p >= 2 && (r->p[1] == '!' || r->p[1] == '?')) return -1;
        return 0;
    }
}

/* The whole document into the tree; 0, or -1 to defer. */
static int read_doc(Reader *r, int first) {
    if (first) {
        if (prolog(r)) return -1;
    } else if (r->p >= r->end || *r->p != '<') {
        return -1;
    }
    int stack[MAX_DEPTH + 1];
    int depth = 0;
    int empty;
    if (r->end - r->p < 2 || r->p[1] == '/' || r->p[1] == '!' || r->p[1] == '?') return -1;
    int root = start_tag(r, -1, &empty);
    if (root != 0 || empty) return -1;
    stack[depth++] = root;
    while (depth) {
        if (char_data(r, 0)) return -1;
        if (r->p >= r->end) return -1; /* the root not closed */
        const char *p = r->p;
        if (r->end - p < 2) return -1;
        if (p[1] == '/') {
            r->p += 2;
            const char *name;
            int nlen, plen;
            if (read_qname(r, &name, &nlen, &plen)) return -1;
            Node *n = &r->d->nodes[stack[depth - 1]];
            if (nlen != n->nlen || memcmp(name, n->name, (size_t)nlen) != 0) return -1;
            skip_ws(r);
            if (r->p >= r->end || *r->p != '>') return -1;
            r->p++;
            n->t2 = r->d->text.n;
            if (n->first < 0) n->t1 = n->t2;
            pop_ns(r, stack[depth - 1]);
            depth--;
            continue;
        }
        if (p[1] == '!' || p[1] == '?') return -1;
        int k = start_tag(r, stack[depth - 1], &empty);
        if (k < 0) return -1;
        if (!empty) {
            if (depth >= MAX_DEPTH) return -1;
            stack[depth++] = k;
        } else {
            pop_ns(r, k);
        }
    }
    if (char_data(r, 1)) return -1;
    return r->p == r->end ? 0 : -1;
}

/* ------------------------------------------------------------------ tree access */

#define NODE(d, k) (&(d)->nodes[(k)])
#define IS(n, lit) ((n)->nlen == (int)sizeof(lit) - 1 && memcmp((n)->name, lit, sizeof(lit) - 1) == 0)

static const Attr *get_attr(const Doc *d, const Node *n, const char *name) {
    int len = (int)strlen(name);
    for (int i = n->a0; i < n->a0 + n->an; i++)
        if (d->attrs[i].nlen == len && memcmp(d->attrs[i].name, name, (size_t)len) == 0) return &d->attrs[i];
    return NULL;
}

static int attr_is(const Doc *d, const Node *n, const char *name, const char *value) {
    const Attr *a = get_attr(d, n, name);
    size_t len = strlen(value);
    return a && a->vlen == len && memcmp(d->aval.p + a->v0, value, len) == 0;
}

static int first_child(const Doc *d, int k, const char *name) {
    size_t len = strlen(name);
    for (int c = NODE(d, k)->first; c >= 0; c = NODE(d, c)->next) {
        const Node *n = NODE(d, c);
        if (n->nlen == (int)len && memcmp(n->name, name, len) == 0) return c;
    }
    return -1;
}

typedef struct {
    const char *p;
    size_t n;
} Span;

/* Python str.strip() of a span; n == 0 when empty */
static Span strip(Span s) {
    const unsigned char *a = (const unsigned char *)s.p, *b = a + s.n;
    while (a < b) {
        size_t l;
        uint32_t c = decode_at(a, &l);
        if (!is_space(c)) break;
        a += l;
    }
    while (b > a) {
        const unsigned char *q = b - 1;
        while (q > a && (*q & 0xC0) == 0x80) q--;
        size_t l;
        uint32_t c = decode_at(q, &l);
        if (!is_space(c)) break;
        b = q;
    }
    Span out = {(const char *)a, (size_t)(b - a)};
    return out;
}

typedef struct {
    Doc *d;
    int big; /* a field of more bytes than max_field (pubmed.MAX_FIELD_CHARS): Python counts its characters */
    Py_ssize_t max_field;
    int defer; /* something this reader does not take: the batch goes to lxml */
    PyObject *seen;
} Ctx;

static PyObject *str_of(Ctx *x, const char *p, size_t n) {
    if ((Py_ssize_t)n > x->max_field) x->big = 1;
    return PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");
}

/* _strip(el.text): a new str or Py_None (new reference) */
static PyObject *strip_text(Ctx *x, int k) {
    if (k < 0) Py_RETURN_NONE;
    const Node *n = NODE(x->d, k);
    Span s = {x->d->text.p + n->t0, n->t1 - n->t0};
    s = strip(s);
    if (!s.n) Py_RETURN_NONE;
    return str_of(x, s.p, s.n);
}

/* _flat(el) into the scratch buffer: 0, or -1 (no memory) */
static int flat_scratch(Ctx *x, int k) {
    const Node *n = NODE(x->d, k);
    const unsigned char *a = (const unsigned char *)x->d->text.p + n->t0, *b = (const unsigned char *)x->d->text.p + n->t2;
    Buf *o = &x->d->scratch;
    o->n = 0;
    int gap = 0;
    while (a < b) {
        size_t l = 1;
        uint32_t c = *a < 0x80 ? *a : decode_at(a, &l);
        if (is_space(c)) {
            gap = 1;
        } else {
            if (gap && o->n && buf_put(o, " ", 1)) return -1;
            gap = 0;
            if (buf_put(o, a, l)) return -1;
        }
        a += l;
    }
    return 0;
}

/* _flat(el): a new str or Py_None */
static PyObject *flat(Ctx *x, int k) {
    if (k < 0) Py_RETURN_NONE;
    if (flat_scratch(x, k)) return PyErr_NoMemory();
    if (!x->d->scratch.n) Py_RETURN_NONE;
    return str_of(x, x->d->scratch.p, x->d->scratch.n);
}

/* ------------------------------------------------------------------ one record */

static PyObject *S_PUBDATE, *S_MEDLINEDATE, *S_ARTICLEDATE;

/* The year: an int with its source (fast path), or a tuple of the raw texts for Python:
 * (pubdate present, PubDate/Year text, MedlineDate text, ArticleDate/Year text): pubmed._year_of_texts. */
static int year_of(Ctx *x, int pubdate, int article_date, PyObject **year, PyObject **where) {
    Doc *d = x->d;
    Span raw = {NULL, 0};
    PyObject *w = NULL;
    int slow = 0;
    if (pubdate >= 0) {
        int y = first_child(d, pubdate, "Year");
        if (y >= 0) {
            Span s = {d->text.p + NODE(d, y)->t0, NODE(d, y)->t1 - NODE(d, y)->t0};
            raw = strip(s);
        }
        w = S_PUBDATE;
        if (!raw.n) {
            int m = first_child(d, pubdate, "MedlineDate");
            if (m >= 0 && NODE(d, m)->t1 > NODE(d, m)->t0) {
                const unsigned char *a = (const unsigned char *)d->text.p + NODE(d, m)->t0;
                size_t len = NODE(d, m)->t1 - NODE(d, m)->t0;
                for (size_t i = 0; i < len; i++)
                    if (a[i] >= 0x80) slow = 1;
                if (!slow) {
                    for (size_t i = 0; i + 4 <= len; i++) {
                        int ok = 1;
                        for (int j = 0; j < 4; j++)
                            if (a[i + j] < '0' || a[i + j] > '9') ok = 0;
                        if (!ok) continue;
                        if (i > 0 && a[i - 1] >= '0' && a[i - 1] <= '9') continue;
                        if (i + 4 < len && a[i + 4] >= '0' && a[i + 4] <= '9') continue;
                        raw.p = (const char *)a + i;
                        raw.n = 4;
                        w = S_MEDLINEDATE;
                        break;
                    }
                }
            }
        }
    }
    if (!slow && !raw.n && article_date >= 0) {
        int y = first_child(d, article_date, "Year");
        if (y >= 0) {
            Span s = {d->text.p + NODE(d, y)->t0, NODE(d, y)->t1 - NODE(d, y)->t0};
            raw = strip(s);
        }
        w = S_ARTICLEDATE;
    }
    if (!slow && raw.n && raw.n <= 9) {
        long v = 0;
        int digits = 1;
        for (size_t i = 0; i < raw.n; i++) {
            if (raw.p[i] < '0' || raw.p[i] > '9') { digits = 0; break; }
            v = v * 10 + (raw.p[i] - '0');
        }
        if (digits) {
            *year = PyLong_FromLong(v);
            Py_INCREF(w);
            *where = w;
            return *year ? 0 : -1;
        }
    }
    if (!slow && !raw.n) { /* year unknown */
        Py_INCREF(Py_None);
        *year = Py_None;
        Py_INCREF(Py_None);
        *where = Py_None;
        return 0;
    }
    /* anything else: Python reads the raw texts (pubmed._year's own code) */
    PyObject *py_year, *md, *ad_year;
    if (pubdate >= 0) {
        int y = first_child(d, pubdate, "Year");
        int m = first_child(d, pubdate, "MedlineDate");
        py_year = y >= 0 && NODE(d, y)->t1 > NODE(d, y)->t0 ? str_of(x, d->text.p + NODE(d, y)->t0, NODE(d, y)->t1 - NODE(d, y)->t0) : (Py_INCREF(Py_None), Py_None);
        md = m >= 0 && NODE(d, m)->t1 > NODE(d, m)->t0 ? str_of(x, d->text.p + NODE(d, m)->t0, NODE(d, m)->t1 - NODE(d, m)->t0) : (Py_INCREF(Py_None), Py_None);
    } else {
        Py_INCREF(Py_None);
        py_year = Py_None;
        Py_INCREF(Py_None);
        md = Py_None;
    }
    if (article_date >= 0) {
        int y = first_child(d, article_date, "Year");
        ad_year = y >= 0 && NODE(d, y)->t1 > NODE(d, y)->t0 ? str_of(x, d->text.p + NODE(d, y)->t0, NODE(d, y)->t1 - NODE(d, y)->t0) : (Py_INCREF(Py_None), Py_None);
    } else {
        Py_INCREF(Py_None);
        ad_year = Py_None;
    }
    if (!py_year || !md || !ad_year) return -1;
    *year = Py_BuildValue("(ONNN)", pubdate >= 0 ? Py_True : Py_False, py_year, md, ad_year);
    Py_INCREF(Py_None);
    *where = Py_None;
    return *year ? 0 : -1;
}

/* normalize_doi for ASCII text; 1 when done (*out a str or NULL for None), 0 when Python must decide */
static int doi_ascii(Ctx *x, int k, PyObject **out) {
    *out = NULL;
    const Node *n = NODE(x->d, k);
    const char *p = x->d->text.p + n->t0;
    size_t len = n->t1 - n->t0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x80) return 0;
    Span s = strip((Span){p, len});
    char *low = x->d->scratch.p;
    x->d->scratch.n = 0;
    if (buf_grow(&x->d->scratch, s.n + 1)) return -1;
    low = x->d->scratch.p;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    static const char *prefixes[] = {"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"};
    Span r = {low, s.n};
    for (int i = 0; i < 5; i++) {
        size_t pl = strlen(prefixes[i]);
        if (s.n >= pl && memcmp(low, prefixes[i], pl) == 0) {
            r = strip((Span){low + pl, s.n - pl});
            break;
        }
    }
    if (r.n) {
        *out = str_of(x, r.p, r.n);
        if (!*out) return -1;
    }
    return 1;
}

static PyObject *raw_text(Ctx *x, int k) {
    const Node *n = NODE(x->d, k);
    if (n->t1 == n->t0) Py_RETURN_NONE;
    return str_of(x, x->d->text.p + n->t0, n->t1 - n->t0);
}

/* DOI: a str, None, or a tuple of the raw texts left for Python's normalize_doi */
static PyObject *doi_of(Ctx *x, int pubmed_data, int *elocs, int nelocs) {
    Doc *d = x->d;
    int cands[256];
    int nc = 0;
    if (pubmed_data >= 0) {
        for (int c = NODE(d, pubmed_data)->first; c >= 0; c = NODE(d, c)->next) {
            if (!IS(NODE(d, c), "ArticleIdList")) continue;
            for (int a = NODE(d, c)->first; a >= 0; a = NODE(d, a)->next) {
                if (attr_is(d, NODE(d, a), "IdType", "doi")) {
                    if (nc == 256) { x->defer = 1; Py_RETURN_NONE; }
                    cands[nc++] = a;
                }
            }
        }
    }
    for (int i = 0; i < nelocs; i++) {
        if (nc == 256) { x->defer = 1; Py_RETURN_NONE; }
        cands[nc++] = elocs[i];
    }
    for (int i = 0; i < nc; i++) {
        PyObject *out;
        int r = doi_ascii(x, cands[i], &out);
        if (r < 0) return NULL;
        if (r == 1) {
            if (out) return out;
            continue;
        }
        PyObject *t = PyTuple_New(nc - i);
        if (!t) return NULL;
        for (int j = i; j < nc; j++) {
            PyObject *s = raw_text(x, cands[j]);
            if (!s) { Py_DECREF(t); return NULL; }
            PyTuple_SET_ITEM(t, j - i, s);
        }
        return t;
    }
    Py_RETURN_NONE;
}

/* is_pmid on a span */
static int pmid_like(Span s) {
    if (!s.n || s.n > 12) return 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9') return 0;
    return 1;
}

static int cited_of(Ctx *x, int ref_list, PyObject *cited) {
    /* child.iter("ArticleId"): the descendants in document order */
    Doc *d = x->d;
    int k = NODE(d, ref_list)->first;
    while (k >= 0) {
        const Node *n = NODE(d, k);
        if (IS(n, "ArticleId") && attr_is(d, n, "IdType", "pubmed") && n->t1 > n->t0) {
            Span s = strip((Span){d->text.p + n->t0, n->t1 - n->t0});
            if (pmid_like(s)) {
                PyObject *v = str_of(x, s.p, s.n);
                if (!v) return -1;
                int has = PySet_Contains(x->seen, v);
                if (has < 0 || (!has && (PySet_Add(x->seen, v) || PyList_Append(cited, v)))) {
                    Py_DECREF(v);
                    return -1;
                }
                Py_DECREF(v);
            }
        }
        if (n->first >= 0) { k = n->first; continue; }
        while (k >= 0 && k != ref_list && NODE(d, k)->next < 0) k = NODE(d, k)->parent;
        if (k < 0 || k == ref_list) break;
        k = NODE(d, k)->next;
    }
    return 0;
}

/* The text gathered in ``o`` as a str (None when nothing was gathered); ``o`` is freed either way. */
static PyObject *text_or_none(Ctx *x, Buf *o, int any) {
    PyObject *out;
    if (!any) {
        Py_INCREF(Py_None);
        out = Py_None;
    } else {
        out = str_of(x, o->p, o->n);
    }
    buf_free(o);
    return out;
}

/* "|".join of the stripped texts of the descendants named name (of the children when !deep); None when empty */
static PyObject *joined(Ctx *x, int top, const char *name, int deep) {
    Doc *d = x->d;
    Buf o = {0};
    int any = 0;
    size_t len = strlen(name);
    int k = NODE(d, top)->first;
    while (k >= 0) {
        const Node *n = NODE(d, k);
        if (n->nlen == (int)len && memcmp(n->name, name, len) == 0) {
            Span s = strip((Span){d->text.p + n->t0, n->t1 - n->t0});
            if (s.n) {
                if ((any && buf_put(&o, "|", 1)) || buf_put(&o, s.p, s.n)) { buf_free(&o); return PyErr_NoMemory(); }
                any = 1;
            }
        }
        if (deep && n->first >= 0) { k = n->first; continue; }
        if (!deep) { k = n->next; continue; }
        while (k >= 0 && k != top && NODE(d, k)->next < 0) k = NODE(d, k)->parent;
        if (k < 0 || k == top) break;
        k = NODE(d, k)->next;
    }
    return text_or_none(x, &o, any);
}

static PyObject *abstract_of(Ctx *x, int abstract) {
    Doc *d = x->d;
    Buf o = {0};
    int any = 0;
    for (int c = NODE(d, abstract)->first; c >= 0; c = NODE(d, c)->next) {
        const Node *n = NODE(d, c);
        if (!IS(n, "AbstractText")) continue;
        if (flat_scratch(x, c)) { buf_free(&o); return PyErr_NoMemory(); }
        if (!x->d->scratch.n) continue;
        const Attr *a = get_attr(d, n, "Label");
        Span label = {NULL, 0};
        if (a) label = strip((Span){d->aval.p + a->v0, a->vlen});
        if ((any && buf_put(&o, " ", 1)) || (label.n && (buf_put(&o, label.p, label.n) || buf_put(&o, ": ", 2)))
            || buf_put(&o, d->scratch.p, d->scratch.n)) {
            buf_free(&o);
            return PyErr_NoMemory();
        }
        any = 1;
    }
    return text_or_none(x, &o, any);
}

static PyObject *authors_of(Ctx *x, int author_list, PyObject *article_affiliation) {
    Doc *d = x->d;
    PyObject *out = PyList_New(0);
    if (!out || author_list < 0 || attr_is(d, NODE(d, author_list), "Type", "editors")) return out;
    int any_aff = 0;
    for (int a = NODE(d, author_list)->first; a >= 0; a = NODE(d, a)->next) {
        const Node *n = NODE(d, a);
        if (!IS(n, "Author") || attr_is(d, n, "ValidYN", "N")) continue;
        int last = -1, fore = -1, coll = -1;
        PyObject *affs = PyList_New(0);
        if (!affs) goto fail;
        for (int c = n->first; c >= 0; c = NODE(d, c)->next) {
            const Node *cn = NODE(d, c);
            if (IS(cn, "LastName")) last = c;
            else if (IS(cn, "ForeName")) fore = c;
            else if (IS(cn, "CollectiveName")) coll = c;
            else if (IS(cn, "AffiliationInfo") || IS(cn, "Affiliation")) {
                int info = IS(cn, "AffiliationInfo");
                for (int f = info ? cn->first : c; f >= 0; f = info ? NODE(d, f)->next : -1) {
                    if (info && !IS(NODE(d, f), "Affiliation")) continue;
                    PyObject *t = flat(x, f);
                    if (!t) { Py_DECREF(affs); goto fail; }
                    if (t != Py_None && PyList_Append(affs, t)) { Py_DECREF(t); Py_DECREF(affs); goto fail; }
                    Py_DECREF(t);
                }
            }
        }
        if (PyList_GET_SIZE(affs)) any_aff = 1;
        PyObject *aff_t = PyList_AsTuple(affs);
        Py_DECREF(affs);
        if (!aff_t) goto fail;
        PyObject *last_s = strip_text(x, last), *fore_s = strip_text(x, fore), *coll_s = flat(x, coll);
        if (!last_s || !fore_s || !coll_s) {
            Py_XDECREF(last_s); Py_XDECREF(fore_s); Py_XDECREF(coll_s); Py_DECREF(aff_t);
            goto fail;
        }
        PyObject *t = PyTuple_Pack(4, last_s, fore_s, coll_s, aff_t);
        Py_DECREF(last_s); Py_DECREF(fore_s); Py_DECREF(coll_s); Py_DECREF(aff_t);
        if (!t || PyList_Append(out, t)) { Py_XDECREF(t); goto fail; }
        Py_DECREF(t);
    }
    if (article_affiliation != Py_None && PyList_GET_SIZE(out) && !any_aff) {
        PyObject *first = PyList_GET_ITEM(out, 0);
        PyObject *aff_t = PyTuple_Pack(1, article_affiliation);
        if (!aff_t) goto fail;
        PyObject *t = PyTuple_Pack(4, PyTuple_GET_ITEM(first, 0), PyTuple_GET_ITEM(first, 1), PyTuple_GET_ITEM(first, 2), aff_t);
        Py_DECREF(aff_t);
        if (!t) goto fail;
        PyList_SetItem(out, 0, t);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* A MedlineCitation (with its PubmedData or -1) -> the record tuple:
 * (0, line, pmid, version, year, where, title, abstract, journal_title, iso, issn_print,
 *  issn_electronic, issn_linking, publication_types, mesh_terms, doi, cited, authors, big) */
static PyObject *citation(Ctx *x, int cit, int pubmed_data, long line) {
    Doc *d = x->d;
    int pmid_el = -1, article = -1, mesh = -1, info = -1;
    for (int c = NODE(d, cit)->first; c >= 0; c = NODE(d, c)->next) {
        const Node *n = NODE(d, c);
        if (IS(n, "PMID")) { if (pmid_el < 0) pmid_el = c; }
        else if (IS(n, "Article")) article = c;
        else if (IS(n, "MeshHeadingList")) mesh = c;
        else if (IS(n, "MedlineJournalInfo")) info = c;
    }
    int journal = -1, title = -1, abstract = -1, author_list = -1, types = -1, article_date = -1;
    int elocs[64];
    int nelocs = 0;
    PyObject *article_aff = Py_None;
    Py_INCREF(Py_None);
    x->big = 0;
    if (article >= 0) {
        for (int c = NODE(d, article)->first; c >= 0; c = NODE(d, c)->next) {
            const Node *n = NODE(d, c);
            if (IS(n, "Affiliation")) {
                if (article_aff == Py_None) {
                    Py_DECREF(article_aff);
                    article_aff = flat(x, c);
                    if (!article_aff) return NULL;
                }
            } else if (IS(n, "Journal")) journal = c;
            else if (IS(n, "ArticleTitle")) title = c;
            else if (IS(n, "ELocationID")) {
                if (attr_is(d, n, "EIdType", "doi")) {
                    if (nelocs == 64) { x->defer = 1; continue; }
                    elocs[nelocs++] = c;
                }
            } else if (IS(n, "Abstract")) abstract = c;
            else if (IS(n, "AuthorList")) { if (author_list < 0) author_list = c; }
            else if (IS(n, "PublicationTypeList")) types = c;
            else if (IS(n, "ArticleDate")) { if (article_date < 0) article_date = c; }
        }
    }
    int issn_p = -1, issn_e = -1, jtitle = -1, iso = -1, pubdate = -1;
    if (journal >= 0) {
        for (int c = NODE(d, journal)->first; c >= 0; c = NODE(d, c)->next) {
            const Node *n = NODE(d, c);
            if (IS(n, "ISSN")) {
                const Attr *a = get_attr(d, n, "IssnType");
                if (!a || attr_is(d, n, "IssnType", "Print")) issn_p = c;
                else if (attr_is(d, n, "IssnType", "Electronic")) issn_e = c;
            } else if (IS(n, "JournalIssue")) pubdate = first_child(d, c, "PubDate");
            else if (IS(n, "Title")) jtitle = c;
            else if (IS(n, "ISOAbbreviation")) iso = c;
        }
    }
    PyObject *year = NULL, *where = NULL;
    if (year_of(x, pubdate, article_date, &year, &where)) { Py_DECREF(article_aff); return NULL; }
    PyObject *v[19] = {0};
    v[0] = PyLong_FromLong(0);
    v[1] = PyLong_FromLong(line);
    v[2] = pmid_el >= 0 ? strip_text(x, pmid_el) : (Py_INCREF(Py_None), Py_None);
    const Attr *va = pmid_el >= 0 ? get_attr(d, NODE(d, pmid_el), "Version") : NULL;
    v[3] = va ? str_of(x, d->aval.p + va->v0, va->vlen) : (Py_INCREF(Py_None), Py_None);
    v[4] = year;
    v[5] = where;
    v[6] = flat(x, title);
    v[7] = abstract >= 0 ? abstract_of(x, abstract) : (Py_INCREF(Py_None), Py_None);
    v[8] = flat(x, jtitle);
    v[9] = strip_text(x, iso);
    v[10] = strip_text(x, issn_p);
    v[11] = strip_text(x, issn_e);
    v[12] = info >= 0 ? strip_text(x, first_child(d, info, "ISSNLinking")) : (Py_INCREF(Py_None), Py_None);
    v[13] = types >= 0 ? joined(x, types, "PublicationType", 0) : (Py_INCREF(Py_None), Py_None);
    v[14] = mesh >= 0 ? joined(x, mesh, "DescriptorName", 1) : (Py_INCREF(Py_None), Py_None);
    v[15] = doi_of(x, pubmed_data, elocs, nelocs);
    v[16] = PyList_New(0);
    if (v[16] && pubmed_data >= 0) {
        PySet_Clear(x->seen);
        for (int c = NODE(d, pubmed_data)->first; c >= 0; c = NODE(d, c)->next) {
            if (IS(NODE(d, c), "ReferenceList") && cited_of(x, c, v[16])) {
                Py_CLEAR(v[16]);
                break;
            }
        }
    }
    v[17] = authors_of(x, author_list, article_aff);
    Py_DECREF(article_aff);
    v[18] = PyBool_FromLong(x->big);
    for (int i = 0; i < 19; i++) {
        if (!v[i]) {
            for (int j = 0; j < 19; j++) Py_XDECREF(v[j]);
            return NULL;
        }
    }
    PyObject *t = PyTuple_New(19);
    if (!t) {
        for (int j = 0; j < 19; j++) Py_DECREF(v[j]);
        return NULL;
    }
    for (int i = 0; i < 19; i++) PyTuple_SET_ITEM(t, i, v[i]);
    return t;
}

/* A record element -> its tuple (kind first: 0 citation, 1 missing citation, 2 deletion, 3 book) */
static PyObject *record(Ctx *x, int k, long line) {
    Doc *d = x->d;
    const Node *n = NODE(d, k);
    if (IS(n, "PubmedArticle")) {
        int cit = -1, data = -1;
        for (int c = n->first; c >= 0; c = NODE(d, c)->next) {
            if (IS(NODE(d, c), "MedlineCitation")) cit = c;
            else if (IS(NODE(d, c), "PubmedData")) data = c;
        }
        if (cit < 0) return Py_BuildValue("(il)", 1, line);
        return citation(x, cit, data, line);
    }
    if (IS(n, "MedlineCitation")) return citation(x, k, -1, line);
    if (IS(n, "DeleteCitation")) {
        PyObject *listed = PyList_New(0);
        if (!listed) return NULL;
        for (int c = n->first; c >= 0; c = NODE(d, c)->next) {
            if (!IS(NODE(d, c), "PMID")) continue;
            PyObject *s = strip_text(x, c);
            if (!s || (s != Py_None && PyList_Append(listed, s))) { Py_XDECREF(s); Py_DECREF(listed); return NULL; }
            Py_DECREF(s);
        }
        return Py_BuildValue("(ilN)", 2, line, listed);
    }
    /* PubmedBookArticle: findtext("BookDocument/PMID") */
    for (int c = n->first; c >= 0; c = NODE(d, c)->next) {
        if (!IS(NODE(d, c), "BookDocument")) continue;
        int p = first_child(d, c, "PMID");
        if (p >= 0) return Py_BuildValue("(ilN)", 3, line, strip_text(x, p));
    }
    return Py_BuildValue("(ilO)", 3, line, Py_None);
}

/* ------------------------------------------------------------------ the module */

static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer buf;
    int closed, first;
    long offset;
    Py_ssize_t max_field;
    if (!PyArg_ParseTuple(args, "y*ppln", &buf, &closed, &first, &offset, &max_field)) return NULL;
    const char *s = buf.buf;
    size_t n = (size_t)buf.len;
    PyObject *result = NULL, *records = NULL;
    Doc d = {0};
    Ctx x = {&d, 0, max_field, 0, NULL};
    if (check_chars((const unsigned char *)s, n)) goto defer;
    Reader r = {.s = s, .p = s, .end = s + n, .line = 1, .d = &d, .nns = 0};
    if (read_doc(&r, first) || r.line > MAX_LINES) goto defer;
    Node *root = &d.nodes[0];
    static const char *targets[] = {"PubmedArticle", "MedlineCitation", "DeleteCitation", "PubmedBookArticle"};
    for (int i = 0; i < 4; i++)
        if (root->nlen == (int)strlen(targets[i]) && memcmp(root->name, targets[i], (size_t)root->nlen) == 0) goto defer;
    int sentinel = closed ? root->last : -1;
    long sentinel_line = 0;
    if (closed) {
        if (sentinel < 0 || !IS(&d.nodes[sentinel], "_")) goto defer;
        sentinel_line = d.nodes[sentinel].line;
    }
    /* every child of the root a record (or the sentinel), on one line */
    for (int c = root->first; c >= 0; c = d.nodes[c].next) {
        if (c == sentinel) break;
        const Node *cn = &d.nodes[c];
        int ok = 0;
        for (int i = 0; i < 4; i++)
            if (cn->nlen == (int)strlen(targets[i]) && memcmp(cn->name, targets[i], (size_t)cn->nlen) == 0) ok = 1;
        if (!ok || cn->multiline) goto defer;
    }
    x.seen = PySet_New(NULL);
    records = PyList_New(0);
    if (!x.seen || !records) goto done;
    for (int c = root->first; c >= 0; c = d.nodes[c].next) {
        if (c == sentinel) break;
        PyObject *t = record(&x, c, d.nodes[c].line + offset);
        if (!t) goto done;
        if (x.defer) { Py_DECREF(t); goto defer; }
        if (PyList_Append(records, t)) { Py_DECREF(t); goto done; }
        Py_DECREF(t);
    }
    {
        PyObject *tag = PyUnicode_DecodeUTF8(root->name, root->nlen, "strict");
        if (!tag) goto done;
        result = Py_BuildValue("(NOl)", tag, records, sentinel_line);
    }
    goto done;
defer:
    Py_INCREF(Py_None);
    result = Py_None;
done:
    Py_XDECREF(records);
    Py_XDECREF(x.seen);
    doc_free(&d);
    PyBuffer_Release(&buf);
    return result;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS,
     "parse(batch, closed, first, offset, max_field) -> (root_tag, records, sentinel_line) or None (defer to lxml)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native_pubmed", NULL, -1, methods};

PyMODINIT_FUNC PyInit__native_pubmed(void) {
    init_tables();
    S_PUBDATE = PyUnicode_InternFromString("PubDate/Year");
    S_MEDLINEDATE = PyUnicode_InternFromString("MedlineDate");
    S_ARTICLEDATE = PyUnicode_InternFromString("ArticleDate/Year");
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE_SHA", AIGEO_SOURCE_SHA)) return NULL;
    return m;
}
