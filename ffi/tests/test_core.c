/* The C ABI's core: descriptors, making and freeing, the generic routines, nil maps, the panic
 * handler contract (longjmp and return), allocation failure, caller-owned memory. */
#include "check.h"

static uintptr_t hash3(const void *p, uintptr_t seed) { return gohmap_memhash(p, seed, 3); }
static bool eq3(const void *a, const void *b) { return memcmp(a, b, 3) == 0; }

static void descriptors(void) {
    gohmap_maptype t;
    CHECK(gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8) == 0);
    CHECK(t.bucketsize == 144 && t.fast == GOHMAP_FAST_64 && gohmap_maptype_validate(&t) == 0);
    CHECK(gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, 8, 8) == 0 && t.bucketsize == 208);
    CHECK(gohmap_maptype_init(&t, 3, 1, 2, 2, hash3, eq3, GOHMAP_KEY_REFLEXIVE) == 0);
    CHECK(t.bucketsize == 8 + 24 + 16 + 8 && t.fast == GOHMAP_FAST_NONE);
    CHECK(gohmap_maptype_init(&t, 4, 1, 8, 8, gohmap_memhash32, gohmap_memequal32, 4) == 0);
    CHECK(t.fast == GOHMAP_FAST_32); /* a [4]byte key named with the standard functions */
    CHECK(gohmap_maptype_init(&t, 200, 1, 4000, 8, hash3, eq3, 0) == 0);
    CHECK(t.flags == (GOHMAP_TYPE_INDIRECT_KEY | GOHMAP_TYPE_INDIRECT_ELEM) && t.bucketsize == 144);

    CHECK(gohmap_maptype_init(&t, 8, 3, 8, 8, hash3, eq3, 0) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(strstr(gohmap_maptype_last_error(), "key_align") != NULL);
    CHECK(gohmap_maptype_init(&t, 8, 8, 8, 4096, hash3, eq3, 0) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(strstr(gohmap_maptype_last_error(), "elem_align") != NULL);
    CHECK(gohmap_maptype_init(&t, 8, 8, 8, 8, NULL, eq3, 0) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(strstr(gohmap_maptype_last_error(), "hasher") != NULL);
    CHECK(gohmap_maptype_init(&t, 8, 8, 8, 8, hash3, eq3, 1) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(gohmap_maptype_init_kind(&t, 99, 8, 8) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(gohmap_maptype_init_kind(NULL, GOHMAP_KIND_U64, 8, 8) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(gohmap_maptype_validate(NULL) == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(last_code == 0); /* descriptor functions return codes; the handler is not called */

    /* A descriptor emitted as static data, by hand. */
    static gohmap_maptype emitted = {gohmap_memhash64, gohmap_memequal64, NULL, 8, 8, 144,
                                     GOHMAP_KEY_REFLEXIVE, 8, 8, 8, 8, GOHMAP_KIND_U64,
                                     GOHMAP_FAST_64, {0, 0}};
    CHECK(gohmap_maptype_validate(&emitted) == 0);
    emitted.bucketsize = 136;
    CHECK(gohmap_maptype_validate(&emitted) == GOHMAP_PANIC_BAD_MAPTYPE);
    gohmap_hmap *bad;
    CATCH(bad = gohmap_makemap(&emitted, 0, NULL));
    CHECK(caught == GOHMAP_PANIC_BAD_MAPTYPE && strstr(last_msg, "bucketsize") != NULL);
    last_code = 0;
    bad = gohmap_makemap(&emitted, 0, NULL); /* a handler that returns: NULL */
    CHECK(bad == NULL && last_code == GOHMAP_PANIC_BAD_MAPTYPE);
    emitted.bucketsize = 144;
}

static void generic_routines(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    for (uint64_t i = 0; i < 1000; i++) {
        *(uint64_t *)gohmap_mapassign(&t, m, &i) = i * 2;
    }
    CHECK(gohmap_maplen(m) == 1000 && m->count == 1000);
    bool ok = false;
    uint64_t k = 500;
    CHECK(*(uint64_t *)gohmap_mapaccess2(&t, m, &k, &ok) == 1000 && ok);
    k = 5000;
    CHECK(*(uint64_t *)gohmap_mapaccess1(&t, m, &k) == 0);
    gohmap_mapaccess2(&t, m, &k, &ok);
    CHECK(!ok);
    for (uint64_t i = 0; i < 1000; i += 2) {
        gohmap_mapdelete(&t, m, &i);
    }
    CHECK(gohmap_maplen(m) == 500);
    k = 1;
    uint64_t *p = gohmap_mapassign(&t, m, &k);
    *p += 1; /* m[k]++ through one assign */
    CHECK(*(uint64_t *)gohmap_mapaccess1(&t, m, &k) == 3);
    gohmap_mapclear(&t, m);
    CHECK(gohmap_maplen(m) == 0);
    k = 7;
    CHECK(*(uint64_t *)gohmap_mapassign(&t, m, &k) == 0); /* a fresh entry reads zero */
    gohmap_mapfree(&t, m);

    /* Huge elems: the _fat forms return the caller's zero buffer on a miss. */
    static uint8_t zero[4000];
    gohmap_maptype big;
    gohmap_maptype_init_kind(&big, GOHMAP_KIND_U64, 4000, 8);
    m = gohmap_makemap_small();
    k = 3;
    CHECK(gohmap_mapaccess1_fat(&big, m, &k, zero) == zero);
    CHECK(gohmap_mapaccess2_fat(&big, m, &k, zero, &ok) == zero && !ok);
    memset(gohmap_mapassign(&big, m, &k), 7, 4000);
    uint8_t *e = gohmap_mapaccess2_fat(&big, m, &k, zero, &ok);
    CHECK(ok && e != zero && e[3999] == 7);
    last_code = 0; /* the shared zero value is 1024 bytes: bigger elems need the _fat forms */
    CHECK(gohmap_mapaccess1(&big, m, &k) == NULL && last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    CHECK(strstr(last_msg, "_fat") != NULL);
    gohmap_mapfree(&big, m);
}

static void nil_maps_and_the_handler(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    uint64_t k = 1;
    bool ok = true;
    CHECK(*(uint64_t *)gohmap_mapaccess2(&t, NULL, &k, &ok) == 0 && !ok);
    CHECK(gohmap_maplen(NULL) == 0);
    gohmap_mapdelete(&t, NULL, &k);
    gohmap_mapclear(&t, NULL);
    gohmap_mapfree(&t, NULL);
    CHECK(gohmap_mapclone(&t, NULL) == NULL);

    /* A handler that longjmps out. */
    void *r = &k;
    CATCH(r = gohmap_mapassign(&t, NULL, &k));
    CHECK(caught == GOHMAP_PANIC_NIL_MAP && strcmp(last_msg, "assignment to entry in nil map") == 0);
    /* A handler that returns: the routine returns NULL. */
    last_code = 0;
    CHECK(gohmap_mapassign(&t, NULL, &k) == NULL && last_code == GOHMAP_PANIC_NIL_MAP);
    (void)r;

    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    last_code = 0;
    CHECK(gohmap_mapassign(&t, m, NULL) == NULL && last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    CHECK(strstr(last_msg, "null key") != NULL);
    last_code = 0;
    CHECK(gohmap_mapassign(NULL, m, &k) == NULL && last_code == GOHMAP_PANIC_BAD_MAPTYPE);
    CHECK(*(uint64_t *)gohmap_mapaccess1(NULL, m, &k) == 0);
    CHECK(gohmap_maplen(m) == 0);
    gohmap_mapfree(&t, m);

    /* Zero-sized keys may be passed as NULL. */
    gohmap_maptype unit;
    gohmap_maptype_init(&unit, 0, 1, 8, 8, gohmap_memhash0, gohmap_memequal0, GOHMAP_KEY_REFLEXIVE);
    m = gohmap_makemap_small();
    *(uint64_t *)gohmap_mapassign(&unit, m, NULL) = 9;
    CHECK(gohmap_maplen(m) == 1 && *(uint64_t *)gohmap_mapaccess1(&unit, m, NULL) == 9);
    gohmap_mapfree(&unit, m);
}

static void allocation_failure(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 200, 8); /* out-of-line elems */
    long total = 0;
    for (long n = 1;; n++) {
        long before = live_bytes;
        alloc_calls = 0;
        fail_at = n;
        int failures = 0;
        gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
        if (m == NULL) {
            failures++;
            fail_at = -1;
            m = gohmap_makemap(&t, 0, NULL);
        }
        for (uint64_t i = 0; i < 300; i++) {
            intptr_t len = gohmap_maplen(m);
            void *p;
            CATCH(p = gohmap_mapassign(&t, m, &i));
            if (caught) {
                CHECK(caught == GOHMAP_PANIC_OUT_OF_MEMORY && gohmap_maplen(m) == len);
                failures++;
                p = gohmap_mapassign(&t, m, &i); /* still usable: the retry succeeds */
            }
            memset(p, (int)i, 200);
        }
        for (uint64_t i = 0; i < 300; i++) {
            uint8_t *e = gohmap_mapaccess1(&t, m, &i);
            if (e[199] != (uint8_t)i) {
                CHECK(!"elem lost after a failed allocation");
                break;
            }
        }
        gohmap_mapfree(&t, m);
        CHECK(live_bytes == before);
        total = alloc_calls;
        fail_at = -1;
        if (failures == 0) {
            break;
        }
    }
    CHECK(total > 300);
}

/* A hasher that fails the way a host VM's does for an unhashable key: by longjmp. */
static jmp_buf hash_env;
static uintptr_t picky_hash(const void *p, uintptr_t seed) {
    if (*(const uint64_t *)p == 0xbad) {
        longjmp(hash_env, 1);
    }
    return gohmap_memhash64(p, seed);
}

static void failing_hasher(void) {
    gohmap_maptype t;
    gohmap_maptype_init(&t, 8, 8, 8, 8, picky_hash, gohmap_memequal64,
                        GOHMAP_KEY_REFLEXIVE | GOHMAP_KEY_HASH_MIGHT_PANIC);
    gohmap_hmap *m = gohmap_makemap_small();
    uint64_t k = 0xbad;
    int failed = 0;
    if (setjmp(hash_env) == 0) {
        gohmap_mapaccess1(&t, m, &k); /* empty map: still hashed (Go issue 23734) */
    } else {
        failed++;
    }
    for (uint64_t i = 0; i < 100; i++) {
        *(uint64_t *)gohmap_mapassign(&t, m, &i) = i;
    }
    if (setjmp(hash_env) == 0) {
        gohmap_mapassign(&t, m, &k);
    } else {
        failed++;
    }
    if (setjmp(hash_env) == 0) {
        gohmap_mapdelete(&t, m, &k);
    } else {
        failed++;
    }
    CHECK(failed == 3);
    CHECK((m->flags & 4) == 0 && gohmap_maplen(m) == 100); /* hashWriting clear, map intact */
    k = 100;
    *(uint64_t *)gohmap_mapassign(&t, m, &k) = 7; /* no false "concurrent map writes" */
    CHECK(gohmap_maplen(m) == 101 && last_code == 0);
    gohmap_mapfree(&t, m);
}

static void caller_memory(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap hdr;
    memset(&hdr, 0xab, sizeof hdr); /* need not be zeroed */
    static uint64_t bucket[144 / 8];
    long calls = alloc_calls;
    gohmap_hmap *m = gohmap_makemap_bucket(&t, 8, &hdr, bucket);
    CHECK(m == &hdr);
    for (uint64_t i = 0; i < 8; i++) {
        *(uint64_t *)gohmap_mapassign(&t, m, &i) = i;
    }
    CHECK(alloc_calls == calls && hdr.count == 8); /* Go's non-escaping map: no allocation */
    for (uint64_t i = 8; i < 100; i++) {
        *(uint64_t *)gohmap_mapassign(&t, m, &i) = i;
    }
    uint64_t k = 50;
    CHECK(*(uint64_t *)gohmap_mapaccess1(&t, m, &k) == 50);
    gohmap_mapfree(&t, m); /* frees neither the header nor the bucket */
}

/* Under the default allocator, the arrays a growing map frees are kept and reused for the
 * next map (which must still start empty), and gohmap_alloc_trim frees them. */
static void default_allocator_keeps_big_blocks_until_trimmed(void) {
    gohmap_set_allocator(NULL);
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    for (int round = 0; round < 2; round++) {
        gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
        for (uint64_t k = 0; k < 20000; k++) {
            *(uint64_t *)gohmap_mapassign_fast64(&t, m, k * 7) = k;
        }
        uint64_t bad = 0;
        for (uint64_t k = 0; k < 20000; k++) {
            bad += *(uint64_t *)gohmap_mapaccess1_fast64(&t, m, k * 7) != k;
            bad += *(uint64_t *)gohmap_mapaccess1_fast64(&t, m, k * 7 + 1) != 0;
        }
        CHECK(bad == 0 && gohmap_maplen(m) == 20000);
        gohmap_mapfree(&t, m);
    }
    CHECK(gohmap_alloc_trim() > 0); /* 20000 u64s: arrays of 2^11 and 2^12 buckets, kept */
    CHECK(gohmap_alloc_trim() == 0);
    test_setup();
}

/* gohmap_alloc_set_cache_limit bounds what the default allocator keeps: lowering it frees what
 * is over it at once, 0 keeps nothing, and it returns the limit it replaces. */
static size_t grow_and_free_u64_map(gohmap_maptype *t, uint64_t n) {
    gohmap_hmap *m = gohmap_makemap(t, 0, NULL);
    for (uint64_t k = 0; k < n; k++) {
        *(uint64_t *)gohmap_mapassign_fast64(t, m, k) = k;
    }
    size_t len = gohmap_maplen(m);
    gohmap_mapfree(t, m);
    return len;
}

static void default_allocator_cache_limit(void) {
    gohmap_set_allocator(NULL);
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    CHECK(gohmap_alloc_set_cache_limit(0) == (size_t)64 << 20); /* the default */
    CHECK(grow_and_free_u64_map(&t, 20000) == 20000);
    CHECK(gohmap_alloc_trim() == 0); /* nothing kept */
    /* 2^12 buckets of 144 bytes: the last array of a 20000-entry map, 576 KiB (plus its
     * preallocated overflow buckets); the 2^11 one before it is kept too, then pushed out by a
     * limit that holds only one of them. */
    CHECK(gohmap_alloc_set_cache_limit((size_t)1 << 30) == 0);
    CHECK(grow_and_free_u64_map(&t, 20000) == 20000);
    CHECK(gohmap_alloc_set_cache_limit(700 << 10) == (size_t)1 << 30);
    size_t kept = gohmap_alloc_trim();
    CHECK(kept >= (size_t)144 << 12 && kept <= 700 << 10);
    CHECK(gohmap_alloc_set_cache_limit((size_t)64 << 20) == 700 << 10);
    test_setup();
}

int main(void) {
    default_allocator_keeps_big_blocks_until_trimmed();
    default_allocator_cache_limit();
    test_setup();
    descriptors();
    generic_routines();
    nil_maps_and_the_handler();
    allocation_failure();
    last_code = 0;
    failing_hasher();
    caller_memory();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
