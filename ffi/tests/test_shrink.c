/* Shrinking through the C ABI: automatic after deletes, gohmap_mapshrink (with its refusal
 * while an iteration pins the map), gohmap_mapclear_release; bytes checked exactly against the
 * counting allocator of check.h. */
#include "check.h"

static gohmap_stats stats_of(const gohmap_maptype *t, const gohmap_hmap *m) {
    gohmap_stats s;
    gohmap_mapstats(t, m, &s);
    return s;
}

static void deletes_shrink(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    for (uint64_t i = 0; i < 100000; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i;
    }
    long full = live_bytes;
    CHECK(stats_of(&t, m).B == 14);
    for (uint64_t i = 0; i < 99000; i++) {
        gohmap_mapdelete_fast64(&t, m, i);
    }
    gohmap_stats s = stats_of(&t, m);
    CHECK(s.count == 1000 && s.B == 10); /* 1000 >= 0.8 * 2^10: no further halving */
    CHECK(live_bytes * 8 < full);
    CHECK((long)s.bytes == live_bytes);
    for (uint64_t i = 99000; i < 100000; i++) {
        CHECK(*(uint64_t *)gohmap_mapaccess1_fast64(&t, m, i) == i);
    }
    CHECK(gohmap_mapcheck(&t, m, NULL, 0) == GOHMAP_CHECK_OK);
    gohmap_mapfree(&t, m);
}

/* A map over 16384 buckets shrinks incrementally, to a quarter of its buckets (u64 keys equal
 * themselves); an iteration started mid-shrink produces every key present throughout once,
 * while deletes move the shrink on under it. */
static void big_map_quarters_under_an_iteration(void) {
    enum { N = 1 << 17 };
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    for (uint64_t i = 0; i < N; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = ~i;
    }
    CHECK(stats_of(&t, m).B == 15);
    /* The shrink starts at the delete that leaves fewer than 1/8 of 6.5 * 2^15 entries. */
    enum { AT = 13 << 15 >> 4 };
    uint64_t next = 0;
    while (next < N - AT) {
        gohmap_mapdelete_fast64(&t, m, next++);
    }
    CHECK(stats_of(&t, m).grow_kind == GOHMAP_GROW_NONE);
    gohmap_mapdelete_fast64(&t, m, next++);
    gohmap_stats s = stats_of(&t, m);
    CHECK(s.grow_kind == GOHMAP_GROW_SHRINKING);
    CHECK(s.B == 13 && s.oldbuckets == 4 * s.buckets);
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    gohmap_hiter it;
    uint64_t deleted_from = N; /* keys >= this were deleted during the iteration */
    for (gohmap_mapiterinit(&t, m, &it); it.key != NULL; gohmap_mapiternext(&it)) {
        uint64_t k = *(const uint64_t *)it.key;
        CHECK(k >= next && k < deleted_from && *(const uint64_t *)it.elem == ~k);
        CHECK(seen[k]++ == 0);
        if (deleted_from > N - 2048) { /* 32 old buckets a delete: enough to end the shrink */
            gohmap_mapdelete_fast64(&t, m, --deleted_from);
        }
    }
    CHECK(stats_of(&t, m).grow_kind == GOHMAP_GROW_NONE);
    for (uint64_t k = next; k < N - 2048; k++) {
        CHECK(seen[k] == 1);
    }
    CHECK(gohmap_mapcheck(&t, m, NULL, 0) == GOHMAP_CHECK_OK);
    gohmap_mapfree(&t, m);
}

static void explicit_shrink(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    for (uint64_t i = 0; i < 5000; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i;
    }
    gohmap_hiter it;
    gohmap_mapiterinit(&t, m, &it);
    for (uint64_t i = 0; i < 4990; i++) {
        gohmap_mapdelete_fast64(&t, m, i);
    }
    CHECK(stats_of(&t, m).B == 10); /* no shrink under a running iteration */
    CHECK(gohmap_mapshrink(&t, m) == GOHMAP_SHRINK_BUSY);
    gohmap_mapiterdone(&it);
    CHECK(gohmap_mapshrink(&t, m) == GOHMAP_SHRINK_OK);
    gohmap_stats s = stats_of(&t, m);
    CHECK(s.B == 1 && s.grow_kind == GOHMAP_GROW_NONE && s.count == 10);
    CHECK(gohmap_mapshrink(&t, NULL) == GOHMAP_SHRINK_OK);
    CHECK(gohmap_mapcheck(&t, m, NULL, 0) == GOHMAP_CHECK_OK);
    gohmap_mapfree(&t, m);
}

static void clear_release(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    char buf[16][8];
    for (int i = 0; i < 16; i++) {
        snprintf(buf[i], sizeof buf[i], "k%d", i);
        gohmap_string k = {(const uint8_t *)buf[i], (intptr_t)strlen(buf[i])};
        *(uint64_t *)gohmap_mapassign_faststr(&t, m, k) = (uint64_t)i;
    }
    gohmap_mapclear_release(&t, m);
    gohmap_stats s = stats_of(&t, m);
    CHECK(s.count == 0 && s.B == 0 && s.buckets == 0);
    CHECK((long)s.bytes == live_bytes);
    gohmap_string k = {(const uint8_t *)buf[3], (intptr_t)strlen(buf[3])};
    *(uint64_t *)gohmap_mapassign_faststr(&t, m, k) = 33;
    CHECK(*(uint64_t *)gohmap_mapaccess1_faststr(&t, m, k) == 33);
    gohmap_mapclear_release(&t, NULL);
    gohmap_mapfree(&t, m);
}

int main(void) {
    test_setup();
    deletes_shrink();
    big_map_quarters_under_an_iteration();
    explicit_shrink();
    clear_release();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
