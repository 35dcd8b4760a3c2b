/*
 * gohmap.h — Go's classic runtime hash map (Go 1.0–1.23 `hmap`), for any language runtime.
 *
 * This header is the contract. Every entry point is Go's runtime name with the prefix
 * `gohmap_`, with Go's argument order; a compiler emits calls to them exactly as Go's compiler
 * emits calls to `runtime.mapassign` and friends, and emits `gohmap_maptype` descriptors as
 * static data. Link `libgohmap.a` (plus -lpthread -ldl -lm) or `libgohmap.so`.
 *
 * ---------------------------------------------------------------------------------------------
 * OWNERSHIP
 *   The map owns its header (unless you passed one to gohmap_makemap), its bucket arrays,
 *   overflow buckets and the out-of-line storage of keys/elems larger than 128 bytes.
 *   gohmap_mapfree releases all of it. Bytes a key *points to* (string data, objects behind
 *   pointer keys) stay yours: keep them alive and unchanged while the key is in the map.
 *   Keys passed by address are copied (key_size bytes); the address is never retained.
 *
 * POINTER VALIDITY
 *   An elem pointer returned by gohmap_mapassign* / gohmap_mapaccess* is valid until the next
 *   write to that map (assign, delete, clear, free). Store the value through an assign's
 *   pointer before any other call on the map. The zero value returned by a miss
 *   (GOHMAP_ZERO_SIZE bytes, read-only) and a caller's `zero` buffer are permanent.
 *   it->key / it->elem are valid until the next gohmap_mapiternext on that iterator or the next
 *   write to the map. The gohmap_hmap never moves.
 *
 * FAILURE: THE PANIC HANDLER
 *   Go's panics and fatal errors go to one process-wide handler with a code and Go's message:
 *     codes below 10 are panics: if the handler returns, the routine returns NULL (makemap,
 *       mapclone, mapassign*), the zero value (lookups) or does nothing, and the map is exactly
 *       as before the call in everything observable (len, keys, elems, iteration, later use);
 *     codes from 10 are fatal (concurrent misuse, corruption): the process aborts if the
 *       handler returns.
 *   The handler is only called where the map is consistent, so it may abort, longjmp out (to a
 *   point outside the gohmap call), or return. It must not throw C++ exceptions: an unwind
 *   into the library aborts. The message lives only during the call.
 *   The default handler prints "panic: <msg>" or "fatal error: <msg>" on stderr and aborts.
 *
 * HOST CALLBACKS (hasher, equal)
 *   Must be pure functions of the key (and seed): equal keys hash equal. The hasher is called
 *   before the map is touched, so a hasher may fail by longjmp (Go's "hash of unhashable
 *   type"): the map is left unchanged and usable. Keys already in the map were hashed once, so
 *   hashing or comparing them again (during growth, iteration) must not fail. A callback must
 *   not call into the same map (that is reported as concurrent misuse, or worse).
 *
 * CONCURRENCY
 *   No locks on maps (the default allocator's block cache only try-locks, never waits).
 *   Any number of concurrent readers (lookups, iterations) with no writer is fine.
 *   A write concurrent with anything is a bug that is detected on a best-effort basis (fatal
 *   codes 10..12), as in Go.
 *
 * ALLOCATION
 *   Every byte comes from the allocator (gohmap_set_allocator; default libc calloc/free,
 *   which keeps up to 64 MiB of freed big blocks for reuse: gohmap_alloc_trim,
 *   gohmap_alloc_set_cache_limit).
 *   A failed allocation reports GOHMAP_PANIC_OUT_OF_MEMORY ("out of memory (allocating N
 *   bytes)") and leaves the map as it was. Lookups never allocate.
 * ---------------------------------------------------------------------------------------------
 */
#ifndef GOHMAP_H
#define GOHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define GOHMAP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define GOHMAP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- callbacks and the string header -------------------------------------------------- */

/* Hash of the key at `key` with `seed` (the map passes its per-map seed). */
typedef uintptr_t (*gohmap_hashfn)(const void *key, uintptr_t seed);
/* Whether the keys at `a` and `b` are equal (NaN-like keys: never equal, even to themselves). */
typedef bool (*gohmap_equalfn)(const void *a, const void *b);
/* The same with the descriptor's `ctx` (see gohmap_maptype_init_ctx). */
typedef uintptr_t (*gohmap_hashfn_ctx)(const void *key, uintptr_t seed, void *ctx);
typedef bool (*gohmap_equalfn_ctx)(const void *a, const void *b, void *ctx);

/* Go's string header: the key of the faststr routines. `ptr` may be NULL when len is 0. */
typedef struct gohmap_string {
    const uint8_t *ptr;
    intptr_t len;
} gohmap_string;

/* ---- the descriptor --------------------------------------------------------------------- */

/* Standard key kinds: the kind decides hashing and equality (Go's, below), flags and size. */
enum {
    GOHMAP_KIND_CUSTOM = 0, /* your hasher and equal */
    GOHMAP_KIND_U8 = 1,     /* 1-byte integers, bool          memhash8               */
    GOHMAP_KIND_U16 = 2,    /* 2-byte integers                memhash16              */
    GOHMAP_KIND_U32 = 3,    /* 4-byte plain memory            memhash32   -> fast32  */
    GOHMAP_KIND_U64 = 4,    /* 8-byte plain memory            memhash64   -> fast64  */
    GOHMAP_KIND_PTR = 5,    /* a pointer used as a key        memhash64   -> fast64  */
    GOHMAP_KIND_STRING = 6, /* gohmap_string                  strhash     -> faststr */
    GOHMAP_KIND_F32 = 7,    /* float: +0 == -0, NaN != NaN    f32hash                */
    GOHMAP_KIND_F64 = 8,    /* double                         f64hash                */
    GOHMAP_KIND_C64 = 9,    /* complex float (re, im)         c64hash                */
    GOHMAP_KIND_C128 = 10   /* complex double                 c128hash               */
};

/* Key flags (Go's bits) accepted by gohmap_maptype_init; the indirect bits are derived. */
#define GOHMAP_TYPE_INDIRECT_KEY 1u      /* derived: key_size > 128, slot holds a pointer  */
#define GOHMAP_TYPE_INDIRECT_ELEM 2u     /* derived: elem_size > 128                       */
#define GOHMAP_KEY_REFLEXIVE 4u          /* k == k for every key (no NaN-like values)      */
#define GOHMAP_KEY_NEEDUPDATE 8u         /* assigning an existing key overwrites the stored
                                            key (+0/-0, strings with new backing bytes)    */
#define GOHMAP_KEY_HASH_MIGHT_PANIC 16u  /* the hasher may fail: lookups/deletes on nil or
                                            empty maps still call it (Go issue 23734)      */

/* Fast families (gohmap_maptype.fast). */
#define GOHMAP_FAST_NONE 0
#define GOHMAP_FAST_32 1
#define GOHMAP_FAST_64 2
#define GOHMAP_FAST_STR 3

/*
 * A map type. Transparent: build it with gohmap_maptype_init* or emit it as static data and
 * call gohmap_maptype_validate once. The routines trust a valid descriptor completely; in
 * release builds they only check it for NULL (debug builds re-validate on every call).
 * Alignments are 1, 2, 4 or 8 (the bucket layout has no padding); sizes are multiples of
 * their alignment. A descriptor must outlive every map made with it, and a map is always used
 * with the descriptor it was made with.
 */
typedef struct gohmap_maptype {
    gohmap_hashfn hasher;  /* called as gohmap_hashfn_ctx when ctx != NULL; not called for a
                              standard kind (the kind's own hash is used)                    */
    gohmap_equalfn equal;  /* likewise                                                       */
    void *ctx;             /* NULL, or the context passed to the _ctx callbacks              */
    uintptr_t key_size;    /* bytes per key (0 allowed: at most one entry)                   */
    uintptr_t elem_size;   /* bytes per elem (0 allowed)                                     */
    uint32_t bucketsize;   /* GOHMAP_BUCKET_SIZE(keyslot, elemslot)                          */
    uint32_t flags;        /* GOHMAP_TYPE_* | GOHMAP_KEY_*                                    */
    uint8_t key_align;
    uint8_t elem_align;
    uint8_t keyslot;       /* key_size, or 8 when key_size > 128 (stored out of line)        */
    uint8_t elemslot;      /* elem_size, or 8 when elem_size > 128                           */
    uint8_t kind;          /* GOHMAP_KIND_*                                                  */
    uint8_t fast;          /* GOHMAP_FAST_*: which fast routines may be used (0 = none)      */
    uint8_t reserved[2];   /* zero                                                           */
} gohmap_maptype;

/*
 * Fill *t for keys of keysize/keyalign hashed by `hasher` and compared by `equal`, elems of
 * elemsize/elemalign, with Go's key flags (GOHMAP_KEY_*). Derives slots, bucket size,
 * indirection and the fast family (a 4-byte key with gohmap_memhash32/gohmap_memequal32 is
 * fast32, 8 bytes with memhash64/memequal64 fast64, a string with strhash/strequal faststr,
 * when elemsize <= 128). Returns 0, or GOHMAP_PANIC_BAD_MAPTYPE without calling the handler:
 * gohmap_maptype_last_error() then says which field and why.
 */
int gohmap_maptype_init(gohmap_maptype *t, size_t keysize, size_t keyalign, size_t elemsize,
                        size_t elemalign, gohmap_hashfn hasher, gohmap_equalfn equal,
                        uint32_t keyflags);
/* As gohmap_maptype_init, for hosts whose key types are only known at run time: one hasher
 * and one equal serve every type, and receive `ctx` (say, the host's type object). Never fast. */
int gohmap_maptype_init_ctx(gohmap_maptype *t, size_t keysize, size_t keyalign, size_t elemsize,
                            size_t elemalign, gohmap_hashfn_ctx hasher, gohmap_equalfn_ctx equal,
                            void *ctx, uint32_t keyflags);
/* A descriptor for a standard key kind (GOHMAP_KIND_U8 .. GOHMAP_KIND_C128). Same returns. */
int gohmap_maptype_init_kind(gohmap_maptype *t, int keykind, size_t elemsize, size_t elemalign);
/* Checks a descriptor emitted as static data: every field must be what init would derive.
 * Returns 0 or GOHMAP_PANIC_BAD_MAPTYPE (reason in gohmap_maptype_last_error()). */
int gohmap_maptype_validate(const gohmap_maptype *t);
/* Why this thread's last refused descriptor was refused: a static string ("" if none). */
const char *gohmap_maptype_last_error(void);

/* ---- the map header --------------------------------------------------------------------- */

/* Go 1.19's hmap. Read `count` (offset 0) inline for len(m); every other field is private. */
typedef struct gohmap_hmap {
    intptr_t count;
    uint8_t flags;
    uint8_t B;
    uint16_t noverflow;
    uint32_t hash0;
    void *buckets;
    void *oldbuckets;
    uintptr_t nevacuate;
    void *extra;
} gohmap_hmap;

/*
 * Make a map for about `hint` entries (a negative or absurd hint is ignored, as in Go). If `h`
 * is non-NULL it is a header you own (48 bytes, 8-aligned, need not be zeroed) that outlives
 * the map; gohmap_mapfree will not free it. Validates `t`. Returns the map, or NULL after
 * reporting (bad descriptor: GOHMAP_PANIC_BAD_MAPTYPE; out of memory); a header you passed is
 * then a valid empty map.
 */
gohmap_hmap *gohmap_makemap(const gohmap_maptype *t, intptr_t hint, gohmap_hmap *h);
/* gohmap_makemap with your first bucket too (t->bucketsize bytes, 8-aligned, outliving the
 * map), used when hint <= 8: with your header as well, maps of up to 8 entries allocate
 * nothing (Go's non-escaping maps). gohmap_mapfree never frees it. */
gohmap_hmap *gohmap_makemap_bucket(const gohmap_maptype *t, intptr_t hint, gohmap_hmap *h,
                                   void *bucket);
/* make(map[K]V): an empty map whose first bucket is made on the first insert. Any descriptor. */
gohmap_hmap *gohmap_makemap_small(void);
/* maps.Clone(m): a deep copy with its own seed (keys re-placed, out-of-line storage
 * duplicated). NULL for a nil map, or after reporting (the source is untouched). */
gohmap_hmap *gohmap_mapclone(const gohmap_maptype *t, const gohmap_hmap *h);
/* Remove every entry, keeping the bucket array; running iterations end at their next step. */
void gohmap_mapclear(const gohmap_maptype *t, gohmap_hmap *h);
/* Release everything the map owns (Go has no such call). NULL is ignored. Its iterators must
 * not be used afterwards. */
void gohmap_mapfree(const gohmap_maptype *t, gohmap_hmap *h);

/* Shrinking (gohmap's; Go's map never gives memory back, golang/go#20135). A map also shrinks
 * by itself: after a delete leaves it under 1/8 of the load it would grow at (0.8 entries per
 * bucket) with at least 16 buckets and no iterator pinning it, it shrinks. A map of up to
 * 16384 buckets shrinks within that delete, in one step, to the smallest array that holds its
 * entries at under 1/2 load (a pause bounded by the array size: copying at most 16384 buckets,
 * ~240 us for 8-byte keys and elems on the machine the figures come from).
 * A bigger map shrinks its bucket array incrementally, as a grow would: to a quarter (old
 * buckets i + m * 2^B, m = 0..3, merge into new bucket i), leaving it under 1/2 loaded; or, for
 * key types that may hold NaNs (whose iterators can only tell two old buckets apart), to half,
 * leaving it under 1/4 loaded. Either way a map oscillating around a size never thrashes. An iteration that starts during an incremental shrink keeps
 * every promise of gohmap_mapiterinit; a shrink never starts while an iteration pins the map
 * (call gohmap_mapiterdone on early exits).
 *
 * gohmap_mapshrink: finish any grow in progress, then shrink until the array is the size
 * gohmap_makemap would pick for len(m), all before returning. Returns GOHMAP_SHRINK_OK (also
 * for NULL and for maps already that small), GOHMAP_SHRINK_BUSY if an iteration pins the map
 * (nothing changed), or GOHMAP_SHRINK_NO_MEMORY (the map keeps every entry and stays usable,
 * perhaps part way through a grow; the handler is NOT called: shrinking is an economy).
 * Costs one pass over the buckets. What a shrink (or gohmap_mapclear_release, below) frees
 * goes to the allocator; the default one keeps up to 64 MiB of it for reuse: call
 * gohmap_alloc_trim to give that back to the system too. */
enum {
    GOHMAP_SHRINK_OK = 0,
    GOHMAP_SHRINK_BUSY = 1,
    GOHMAP_SHRINK_NO_MEMORY = 2
};
int gohmap_mapshrink(const gohmap_maptype *t, gohmap_hmap *h);
/* gohmap_mapclear, then return every bucket to the allocator: the map is as
 * gohmap_makemap_small made it (B = 0, first bucket made on the next insert), keeping its
 * header, a small internal record (the clear generation that ends running iterations) and a
 * caller-supplied first bucket (reused). Works on an empty map too. NULL is ignored. */
void gohmap_mapclear_release(const gohmap_maptype *t, gohmap_hmap *h);
/* len(m): 0 for NULL (or read h->count inline). */
intptr_t gohmap_maplen(const gohmap_hmap *h);

/* ---- generic routines (keys by address) ----------------------------------------------- */

/* v := m[k]: the elem, or the read-only zero value (never NULL). elem_size <= 1024 only;
 * use the _fat forms beyond (a bigger elem is reported as GOHMAP_PANIC_BAD_ARGUMENT and, if
 * the handler returns, NULL comes back: the shared zero value would be too short). A nil map reads as empty. `key` may be NULL only when
 * key_size == 0 (GOHMAP_PANIC_BAD_ARGUMENT otherwise). */
void *gohmap_mapaccess1(const gohmap_maptype *t, gohmap_hmap *h, const void *key);
/* v, ok := m[k]: as mapaccess1; *ok (if ok != NULL) says whether the key was found. */
void *gohmap_mapaccess2(const gohmap_maptype *t, gohmap_hmap *h, const void *key, bool *ok);
/* For elems larger than GOHMAP_ZERO_SIZE: a miss returns your `zero` (elem_size zero bytes). */
void *gohmap_mapaccess1_fat(const gohmap_maptype *t, gohmap_hmap *h, const void *key,
                            const void *zero);
void *gohmap_mapaccess2_fat(const gohmap_maptype *t, gohmap_hmap *h, const void *key,
                            const void *zero, bool *ok);
/* m[k] = v, first half: the elem slot for `key`, zero-filled for a new key; store the value
 * into it. NULL after reporting: a nil map ("assignment to entry in nil map"), out of memory. */
void *gohmap_mapassign(const gohmap_maptype *t, gohmap_hmap *h, const void *key);
/* delete(m, k). A nil map or a missing key: nothing. */
void gohmap_mapdelete(const gohmap_maptype *t, gohmap_hmap *h, const void *key);

/* ---- specialised routines (keys by value) ----------------------------------------------
 * Same map memory as the generic routines: one map may be used through both. Each requires a
 * descriptor whose `fast` field is its family (GOHMAP_FAST_32 for _fast32, ...); any other is
 * reported as GOHMAP_PANIC_BAD_ARGUMENT (after the nil-map rules, as in Go). Returns as above. */
void *gohmap_mapaccess1_fast32(const gohmap_maptype *t, gohmap_hmap *h, uint32_t key);
void *gohmap_mapaccess2_fast32(const gohmap_maptype *t, gohmap_hmap *h, uint32_t key, bool *ok);
void *gohmap_mapassign_fast32(const gohmap_maptype *t, gohmap_hmap *h, uint32_t key);
/* For 32-bit pointer values (Go emits it on 32-bit targets only): `key` must fit in 32 bits. */
void *gohmap_mapassign_fast32ptr(const gohmap_maptype *t, gohmap_hmap *h, void *key);
void gohmap_mapdelete_fast32(const gohmap_maptype *t, gohmap_hmap *h, uint32_t key);
void *gohmap_mapaccess1_fast64(const gohmap_maptype *t, gohmap_hmap *h, uint64_t key);
void *gohmap_mapaccess2_fast64(const gohmap_maptype *t, gohmap_hmap *h, uint64_t key, bool *ok);
void *gohmap_mapassign_fast64(const gohmap_maptype *t, gohmap_hmap *h, uint64_t key);
/* The key is the pointer *value* (Go's meaning); look it up with the _fast64 forms. */
void *gohmap_mapassign_fast64ptr(const gohmap_maptype *t, gohmap_hmap *h, void *key);
void gohmap_mapdelete_fast64(const gohmap_maptype *t, gohmap_hmap *h, uint64_t key);
void *gohmap_mapaccess1_faststr(const gohmap_maptype *t, gohmap_hmap *h, gohmap_string key);
void *gohmap_mapaccess2_faststr(const gohmap_maptype *t, gohmap_hmap *h, gohmap_string key,
                                bool *ok);
/* Stores the header as given (the bytes are not copied); updating an existing key replaces the
 * stored header with this one. */
void *gohmap_mapassign_faststr(const gohmap_maptype *t, gohmap_hmap *h, gohmap_string key);
void gohmap_mapdelete_faststr(const gohmap_maptype *t, gohmap_hmap *h, gohmap_string key);

/* ---- iteration -------------------------------------------------------------------------- */

/* Go's hiter: caller-owned (on your stack is fine), 96 bytes; key at offset 0, elem at 8. */
typedef struct gohmap_hiter {
    void *key;                      /* current key, or NULL when the iteration is over */
    void *elem;                     /* current elem                                      */
    const gohmap_maptype *t;
    gohmap_hmap *h;                 /* non-NULL while the iterator pins the map          */
    void *buckets;
    void *bptr;
    uint64_t clear_gen;             /* the map's clear generation at mapiterinit          */
    uintptr_t sibling;              /* internal: an old bucket still to walk (shrinks)    */
    uintptr_t start_bucket;
    uint8_t offset;
    uint8_t wrapped;
    uint8_t B;
    uint8_t i;
    uint8_t shrink_levels;          /* internal: 1 or 2 if it began during a shrink       */
    uint8_t todo;                   /* internal: cells of bptr still to visit, a bit each */
    uint8_t reserved2[2];
    uintptr_t bucket;
    uintptr_t check_bucket;
} gohmap_hiter;

/*
 * for k, v := range m:
 *     gohmap_hiter it;
 *     for (gohmap_mapiterinit(t, m, &it); it.key; gohmap_mapiternext(&it)) { ... }
 * mapiterinit initialises the whole iterator (it need not be zeroed) and already stands on the
 * first entry: run the loop body, then call mapiternext (stepping before the body skips the
 * first entry and breaks the delete-during-range rules). Order is random. Go's promises hold while the loop mutates the map: every entry
 * present throughout is produced once; one deleted before it is reached is not; one added may
 * or may not be; updates are seen. gohmap_mapclear ends the iteration (its next step is the
 * end). mapiternext after the end, and iteration of a nil or empty map, leave key NULL.
 *
 * Memory: while an iteration runs, memory the map drops (old bucket arrays, deleted
 * out-of-line keys/elems) is kept for it. It is released at the natural end, by
 * gohmap_mapiterdone, by gohmap_mapclear, and by gohmap_mapfree. A compiler should emit
 * gohmap_mapiterdone on every other exit from the loop (break, return, goto, panic); a host
 * that does not only keeps that memory longer: at most what the map drops until its next
 * clear or free (never leaked; debug builds say so at mapfree). Do not copy a live iterator.
 */
void gohmap_mapiterinit(const gohmap_maptype *t, gohmap_hmap *h, gohmap_hiter *it);
void gohmap_mapiternext(gohmap_hiter *it);
/* End an iteration early. Idempotent; a no-op after the end. Call before gohmap_mapfree. */
void gohmap_mapiterdone(gohmap_hiter *it);

/* ---- hash and equality functions (Go's) -------------------------------------------------
 * Exported so hosts can compose hashers for struct keys the way Go's compiler does: hash each
 * field with the previous result as the seed (plain-memory runs with gohmap_memhash). Values
 * are per process (AES-NI when the CPU has it, a wyhash-style fallback otherwise): never
 * persist them. Keys may be unaligned. */
uintptr_t gohmap_memhash(const void *p, uintptr_t seed, uintptr_t size);
uintptr_t gohmap_memhash0(const void *p, uintptr_t seed);
uintptr_t gohmap_memhash8(const void *p, uintptr_t seed);
uintptr_t gohmap_memhash16(const void *p, uintptr_t seed);
uintptr_t gohmap_memhash32(const void *p, uintptr_t seed);
uintptr_t gohmap_memhash64(const void *p, uintptr_t seed);
uintptr_t gohmap_memhash128(const void *p, uintptr_t seed);
uintptr_t gohmap_strhash(const void *p /* gohmap_string* */, uintptr_t seed);
uintptr_t gohmap_f32hash(const void *p, uintptr_t seed);  /* NaN: random; +0, -0 equal */
uintptr_t gohmap_f64hash(const void *p, uintptr_t seed);
uintptr_t gohmap_c64hash(const void *p, uintptr_t seed);
uintptr_t gohmap_c128hash(const void *p, uintptr_t seed);
bool gohmap_memequal(const void *a, const void *b, uintptr_t size);
bool gohmap_memequal0(const void *a, const void *b);
bool gohmap_memequal8(const void *a, const void *b);
bool gohmap_memequal16(const void *a, const void *b);
bool gohmap_memequal32(const void *a, const void *b);
bool gohmap_memequal64(const void *a, const void *b);
bool gohmap_memequal128(const void *a, const void *b);
bool gohmap_strequal(const void *a, const void *b);
bool gohmap_f32equal(const void *a, const void *b);
bool gohmap_f64equal(const void *a, const void *b);
bool gohmap_c64equal(const void *a, const void *b);
bool gohmap_c128equal(const void *a, const void *b);
/* 1 if this process hashes with AES-NI, 0 for the portable hash. */
int gohmap_uses_aes(void);

/* ---- introspection: statistics, invariant check, GC tracing ---------------------------- */

/* Which grow is in progress (gohmap_stats.grow_kind). */
enum {
    GOHMAP_GROW_NONE = 0,      /* not growing                                               */
    GOHMAP_GROW_DOUBLING = 1,  /* 2^(B-1) old buckets splitting into 2^B                     */
    GOHMAP_GROW_SAME_SIZE = 2, /* same size: overflow chains being compacted                 */
    GOHMAP_GROW_SHRINKING = 3  /* shrinking: 2^(B+1) or 2^(B+2) old buckets merging into 2^B */
};

/*
 * The shape and footprint of a map, filled by gohmap_mapstats (the type cannot share the
 * function's name in C). All zero for a nil map. `bytes` is exact: the sum of the sizes gohmap
 * asked the allocator for and still holds for this map — its header (unless you supplied it),
 * the current and old bucket arrays (not your first bucket), the extra record, separately
 * allocated overflow buckets, out-of-line keys and elems, and memory retired while iterators
 * pin the map. It cannot include what the allocator adds on top (malloc headers, rounding).
 */
typedef struct gohmap_stats {
    intptr_t count;          /* live entries, len(m)                                          */
    uint8_t B;               /* log2 of the main bucket count                                  */
    uint8_t grow_kind;       /* GOHMAP_GROW_*                                                  */
    uint8_t reserved[6];     /* zero                                                           */
    uintptr_t buckets;       /* main buckets of the current table (2^B; 0 before the first)   */
    uintptr_t oldbuckets;    /* main buckets of the old table (0 when not growing)             */
    uintptr_t evacuated;     /* old main buckets evacuated so far (0 when not growing)         */
    uintptr_t overflow;      /* overflow buckets in the chains of the current and old tables  */
    uintptr_t prealloc_free; /* preallocated overflow buckets of the current array still free  */
    uintptr_t bytes;         /* bytes held through the allocator (above)                       */
    double load;             /* count / 2^B (0 without buckets)                                */
    uintptr_t longest_chain; /* buckets in the longest chain a lookup may walk                 */
    uintptr_t pins;          /* iterations currently pinning the map                           */
} gohmap_stats;

/*
 * Fill *stats for map h (nil: all zero). Reads only: no allocation, no growth work, no host
 * callback; O(buckets + overflow buckets). Like any read it must not run concurrently with a
 * write, nor with an iteration of h ending on another thread. A NULL stats is reported as
 * GOHMAP_PANIC_BAD_ARGUMENT; a NULL descriptor as GOHMAP_PANIC_BAD_MAPTYPE, *stats zeroed.
 */
void gohmap_mapstats(const gohmap_maptype *t, const gohmap_hmap *h, gohmap_stats *stats);

/* Codes returned by gohmap_mapcheck: one per check, stable. The spec's invariant numbers. */
enum {
    GOHMAP_CHECK_OK = 0,
    GOHMAP_CHECK_I1_CELL_STATE = 1,   /* an evacuation mark (2..4) in the current table       */
    GOHMAP_CHECK_I2_EVACUATION = 2,   /* an old chain evacuated only in part                  */
    GOHMAP_CHECK_I3_UNTOUCHED = 3,    /* a new bucket written before its old one moved        */
    GOHMAP_CHECK_I4_EMPTY_REST = 4,   /* emptyRest cells not a suffix of their chain          */
    GOHMAP_CHECK_I5_ZERO_ELEM = 5,    /* an empty cell with a non-zero elem                   */
    GOHMAP_CHECK_I6_COUNT = 6,        /* count differs from the number of full cells          */
    GOHMAP_CHECK_I7_GROW_STATE = 7,   /* nevacuate, sameSizeGrow or an array size is wrong    */
    GOHMAP_CHECK_I8_SMALL_MAP = 8,    /* B = 0 while growing or with an overflow bucket       */
    GOHMAP_CHECK_I9_WRITING = 9,      /* the writing flag is set outside a write              */
    GOHMAP_CHECK_I10_PREALLOC = 10,   /* free preallocated overflow buckets not pristine      */
    GOHMAP_CHECK_PLACEMENT = 11,      /* a key in the wrong bucket or with the wrong tophash  */
    GOHMAP_CHECK_RECLAIM = 12,        /* memory retired while no iterator pins the map        */
    GOHMAP_CHECK_CHAIN = 13,          /* an overflow chain that loops                         */
    GOHMAP_CHECK_MAPTYPE = 14         /* the descriptor is NULL or fails validation           */
};

/*
 * Walk every invariant of the spec (the descriptor first) and return the first violation's
 * GOHMAP_CHECK_* code, or 0. If msg != NULL, writes a NUL-terminated message (truncated to
 * msg_len bytes) naming the invariant, what is wrong and where ("I4: cell after emptyRest
 * (current bucket 3)"; "" when all hold). Never calls the panic handler for what it finds.
 * O(entries) with one hash per key: meant for hosts' debug builds and tests. It detects
 * corrupted values (marks, counts, links to the sentinel); a wild pointer (an overwritten
 * overflow link, a freed array) is followed, not detected. No write may be in progress.
 */
int gohmap_mapcheck(const gohmap_maptype *t, const gohmap_hmap *h, char *msg, size_t msg_len);

/* Called by gohmap_mapvisit with its ctx and one entry's key and elem; non-zero stops. */
typedef int (*gohmap_visitor)(void *ctx, void *key, void *elem);

/*
 * Call visitor(ctx, key, elem) for every live entry of h, exactly once each, so that a host
 * collector can mark what the map holds. `key`/`elem` point at the key and elem values
 * (key_size / elem_size bytes): for keys or elems over 128 bytes, at the out-of-line storage.
 * The slot holding the pointer to that storage, and every other byte of map memory, holds no
 * host reference: the host never needs to scan map memory itself. Entries still in old
 * buckets during a grow are visited; evacuated old copies and memory retired for iterators
 * are not (they are stale copies of visited entries). Returns the first non-zero visitor
 * result (the walk stops there), else 0. Allocates nothing and calls no other callback; a nil
 * map visits nothing. The visitor may read the map (and its keys/elems) but must not write to
 * it: a write during the walk is detected on a best-effort basis and is fatal
 * (GOHMAP_FATAL_CONCURRENT_ITER_WRITE). A NULL visitor is reported as
 * GOHMAP_PANIC_BAD_ARGUMENT, a NULL descriptor as GOHMAP_PANIC_BAD_MAPTYPE; both return 0.
 */
int gohmap_mapvisit(const gohmap_maptype *t, const gohmap_hmap *h, gohmap_visitor visitor,
                    void *ctx);

/*
 * WRITE BARRIERS AND TRACING
 *   gohmap does not know which bytes of a key or elem are references: it copies them as plain
 *   memory. These are every point where key or elem bytes are written into, or copied between,
 *   map-owned memory:
 *     1. gohmap_mapassign* stores the key into a new cell (and overwrites the stored key of an
 *        existing one when the descriptor has GOHMAP_KEY_NEEDUPDATE, and always for faststr);
 *     2. the elem is stored by *you*, through the pointer the assign returned (your barrier);
 *     3. evacuation (by assigns and deletes while a grow or shrink is in progress, and by any
 *        call that finishes one) copies keys and elems to the new table; for out-of-line ones
 *        only the pointer moves, the storage does not;
 *     4. gohmap_mapclone copies every key and elem into the new map (new out-of-line storage);
 *     5. gohmap_mapdelete, gohmap_mapclear and gohmap_mapfree zero or free cells and storage
 *        (a delete zeroes the elem, and the key unless it is a number of a standard kind:
 *        GOHMAP_KIND_U8..U64 and F32..C128 keys are left in their empty cell, as Go leaves
 *        keys without pointers);
 *     6. out-of-line storage is allocated zeroed by the assign that needs it, and freed (or
 *        kept for iterators, holding stale copies) when its entry is deleted.
 *   Map memory comes from gohmap's allocator, not your heap, so your collector cannot see it.
 *   Stop-the-world collector: call gohmap_mapvisit on every reachable map while marking.
 *   Incremental or concurrent collector: treat each map as a root to re-scan with
 *   gohmap_mapvisit at the end of marking (at a safepoint where no map call is running),
 *   or, equivalently, shade the key and elem at points 1 and 2 and every object a cloned or
 *   evacuating map copies (points 3 and 4: simplest is to re-scan maps written since the
 *   scan began). Deleted and evacuated copies (points 3, 5, 6) never need marking: the live
 *   copy is visited. Keep objects referenced by keys alive while the key is in the map.
 */

/* ---- host hooks ------------------------------------------------------------------------- */

/* alloc returns `size` zeroed bytes aligned to `align`, or NULL; free receives exactly the size
 * and alignment given to alloc. gohmap never asks for 0 bytes. */
typedef struct gohmap_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void (*free)(void *ctx, void *p, size_t size, size_t align);
    void *ctx;
} gohmap_allocator;

/* Codes given to the panic handler. */
enum {
    GOHMAP_PANIC_NIL_MAP = 1,            /* "assignment to entry in nil map"                   */
    GOHMAP_PANIC_OUT_OF_MEMORY = 2,      /* "out of memory (allocating N bytes)"               */
    GOHMAP_PANIC_BAD_MAPTYPE = 3,        /* "<routine>: <which field and why>"                  */
    GOHMAP_PANIC_BAD_ARGUMENT = 4,       /* null key pointer, wrong fast family, ...            */
    GOHMAP_FATAL_CONCURRENT_WRITES = 10, /* "concurrent map writes"                            */
    GOHMAP_FATAL_CONCURRENT_READ_WRITE = 11, /* "concurrent map read and map write"            */
    GOHMAP_FATAL_CONCURRENT_ITER_WRITE = 12, /* "concurrent map iteration and map write"       */
    GOHMAP_FATAL_BAD_MAP_STATE = 13      /* corrupted map, or an internal error                 */
};
typedef void (*gohmap_panic_handler)(int code, const char *msg);

/* Install a host allocator (copied); NULL restores libc. Set it before the first map is made;
 * maps must be freed under the allocator that made them. Frees the default allocator's kept
 * blocks first (gohmap_alloc_trim). */
void gohmap_set_allocator(const gohmap_allocator *a);
/* The default allocator keeps up to 64 MiB of freed big blocks (128 KiB and more: bucket arrays
 * of maps that grew, shrank or were freed) and hands them out again, zeroed, for the same size,
 * instead of returning them to libc, whose fresh pages the kernel would fault in and zero
 * again. A block that does not fit is freed, unless kept ones have gone unreused through 32
 * later frees: those make room. (glibc's own heap may keep as much before it trims; Go's heap
 * keeps all it frees.) This frees them now (before a leak check, or after dropping big maps)
 * and returns the bytes freed. Thread-safe; maps are unaffected. A host allocator keeps
 * nothing. */
size_t gohmap_alloc_trim(void);
/* Set how many bytes of freed blocks the default allocator may keep (0 keeps none; the default
 * is 64 MiB) and return the previous limit; what is kept over the new limit is freed now.
 * Thread-safe. */
size_t gohmap_alloc_set_cache_limit(size_t bytes);
/* Install the panic handler; NULL restores the default (message to stderr, abort). */
void gohmap_set_panic_handler(gohmap_panic_handler h);
/* Make map seeds, iteration starts and NaN hashes one deterministic sequence from `seed` (for
 * tests and reproducible runs); calling it again restarts the sequence. Hash functions
 * themselves stay per process. */
void gohmap_set_seed(uint64_t seed);

/* ---- layout constants (checked against the library by its tests) ------------------------ */

#define GOHMAP_BUCKET_CNT 8
#define GOHMAP_DATA_OFFSET 8
#define GOHMAP_MAX_KEY_SIZE 128
#define GOHMAP_MAX_ELEM_SIZE 128
#define GOHMAP_ZERO_SIZE 1024
/* Bytes per bucket: 8 tophash bytes, 8 key slots, 8 elem slots, the overflow pointer. */
#define GOHMAP_BUCKET_SIZE(keyslot, elemslot) (8 + 8 * (keyslot) + 8 * (elemslot) + 8)

#define GOHMAP_HMAP_SIZE 48
#define GOHMAP_HMAP_COUNT_OFFSET 0
#define GOHMAP_HMAP_FLAGS_OFFSET 8
#define GOHMAP_HMAP_B_OFFSET 9
#define GOHMAP_HMAP_NOVERFLOW_OFFSET 10
#define GOHMAP_HMAP_HASH0_OFFSET 12
#define GOHMAP_HMAP_BUCKETS_OFFSET 16
#define GOHMAP_HMAP_OLDBUCKETS_OFFSET 24
#define GOHMAP_HMAP_NEVACUATE_OFFSET 32
#define GOHMAP_HMAP_EXTRA_OFFSET 40

#define GOHMAP_HITER_SIZE 96
#define GOHMAP_HITER_KEY_OFFSET 0
#define GOHMAP_HITER_ELEM_OFFSET 8

#define GOHMAP_MAPTYPE_SIZE 56
#define GOHMAP_MAPTYPE_HASHER_OFFSET 0
#define GOHMAP_MAPTYPE_EQUAL_OFFSET 8
#define GOHMAP_MAPTYPE_CTX_OFFSET 16
#define GOHMAP_MAPTYPE_KEY_SIZE_OFFSET 24
#define GOHMAP_MAPTYPE_ELEM_SIZE_OFFSET 32
#define GOHMAP_MAPTYPE_BUCKETSIZE_OFFSET 40
#define GOHMAP_MAPTYPE_FLAGS_OFFSET 44
#define GOHMAP_MAPTYPE_KEY_ALIGN_OFFSET 48
#define GOHMAP_MAPTYPE_ELEM_ALIGN_OFFSET 49
#define GOHMAP_MAPTYPE_KEYSLOT_OFFSET 50
#define GOHMAP_MAPTYPE_ELEMSLOT_OFFSET 51
#define GOHMAP_MAPTYPE_KIND_OFFSET 52
#define GOHMAP_MAPTYPE_FAST_OFFSET 53

#define GOHMAP_STATS_SIZE 88
#define GOHMAP_STATS_COUNT_OFFSET 0
#define GOHMAP_STATS_B_OFFSET 8
#define GOHMAP_STATS_GROW_KIND_OFFSET 9
#define GOHMAP_STATS_BUCKETS_OFFSET 16
#define GOHMAP_STATS_OLDBUCKETS_OFFSET 24
#define GOHMAP_STATS_EVACUATED_OFFSET 32
#define GOHMAP_STATS_OVERFLOW_OFFSET 40
#define GOHMAP_STATS_PREALLOC_FREE_OFFSET 48
#define GOHMAP_STATS_BYTES_OFFSET 56
#define GOHMAP_STATS_LOAD_OFFSET 64
#define GOHMAP_STATS_LONGEST_CHAIN_OFFSET 72
#define GOHMAP_STATS_PINS_OFFSET 80

GOHMAP_STATIC_ASSERT(sizeof(gohmap_hmap) == GOHMAP_HMAP_SIZE, "hmap is 48 bytes");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, count) == GOHMAP_HMAP_COUNT_OFFSET, "len(m) at 0");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, flags) == GOHMAP_HMAP_FLAGS_OFFSET, "flags");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, B) == GOHMAP_HMAP_B_OFFSET, "B");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, noverflow) == GOHMAP_HMAP_NOVERFLOW_OFFSET, "noverflow");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, hash0) == GOHMAP_HMAP_HASH0_OFFSET, "hash0");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, buckets) == GOHMAP_HMAP_BUCKETS_OFFSET, "buckets");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, oldbuckets) == GOHMAP_HMAP_OLDBUCKETS_OFFSET, "old");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, nevacuate) == GOHMAP_HMAP_NEVACUATE_OFFSET, "nevac");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hmap, extra) == GOHMAP_HMAP_EXTRA_OFFSET, "extra");
GOHMAP_STATIC_ASSERT(sizeof(gohmap_hiter) == GOHMAP_HITER_SIZE, "hiter is 12 words");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hiter, key) == GOHMAP_HITER_KEY_OFFSET, "it.key at 0");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hiter, elem) == GOHMAP_HITER_ELEM_OFFSET, "it.elem at 8");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_hiter, clear_gen) == 48, "Go's GC-only overflow word");
GOHMAP_STATIC_ASSERT(sizeof(gohmap_maptype) == GOHMAP_MAPTYPE_SIZE, "maptype size");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, ctx) == GOHMAP_MAPTYPE_CTX_OFFSET, "ctx");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, key_size) == GOHMAP_MAPTYPE_KEY_SIZE_OFFSET, "ks");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, bucketsize) == GOHMAP_MAPTYPE_BUCKETSIZE_OFFSET, "bs");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, flags) == GOHMAP_MAPTYPE_FLAGS_OFFSET, "flags");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, keyslot) == GOHMAP_MAPTYPE_KEYSLOT_OFFSET, "keyslot");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, kind) == GOHMAP_MAPTYPE_KIND_OFFSET, "kind");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_maptype, fast) == GOHMAP_MAPTYPE_FAST_OFFSET, "fast");
GOHMAP_STATIC_ASSERT(sizeof(gohmap_string) == 16, "Go's string header");
GOHMAP_STATIC_ASSERT(GOHMAP_BUCKET_SIZE(8, 8) == 144, "map[int64]int64 buckets are 144 bytes");
GOHMAP_STATIC_ASSERT(sizeof(gohmap_stats) == GOHMAP_STATS_SIZE, "mapstats size");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, count) == GOHMAP_STATS_COUNT_OFFSET, "count");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, B) == GOHMAP_STATS_B_OFFSET, "stats B");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, grow_kind) == GOHMAP_STATS_GROW_KIND_OFFSET,
                     "grow_kind");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, buckets) == GOHMAP_STATS_BUCKETS_OFFSET,
                     "stats buckets");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, oldbuckets) == GOHMAP_STATS_OLDBUCKETS_OFFSET,
                     "stats oldbuckets");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, evacuated) == GOHMAP_STATS_EVACUATED_OFFSET,
                     "evacuated");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, overflow) == GOHMAP_STATS_OVERFLOW_OFFSET,
                     "overflow");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, prealloc_free) ==
                         GOHMAP_STATS_PREALLOC_FREE_OFFSET,
                     "prealloc_free");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, bytes) == GOHMAP_STATS_BYTES_OFFSET, "bytes");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, load) == GOHMAP_STATS_LOAD_OFFSET, "load");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, longest_chain) ==
                         GOHMAP_STATS_LONGEST_CHAIN_OFFSET,
                     "longest_chain");
GOHMAP_STATIC_ASSERT(offsetof(gohmap_stats, pins) == GOHMAP_STATS_PINS_OFFSET, "pins");

#ifdef __cplusplus
}
#endif
#endif /* GOHMAP_H */
