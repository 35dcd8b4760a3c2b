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
    explicit_shrink();
    clear_release();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
