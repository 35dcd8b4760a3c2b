/* Iteration, mapiterdone, clear during iteration, and clone through the C ABI. */
#include "check.h"

static void ranges(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap_small();
    static unsigned char seen[1000];
    for (uint64_t i = 0; i < 1000; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i + 1;
    }
    gohmap_hiter it;
    memset(&it, 0x5a, sizeof it); /* mapiterinit initialises everything */
    int n = 0, bad = 0;
    for (gohmap_mapiterinit(&t, m, &it); it.key != NULL; gohmap_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key, v = *(uint64_t *)it.elem;
        bad += v != k + 1 || seen[k]++;
        if (n == 0) {
            for (uint64_t i = 1000; i < 3000; i++) { /* grow twice during the loop */
                *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i + 1;
            }
        }
        n++;
    }
    int all = 1;
    for (int i = 0; i < 1000; i++) {
        all &= seen[i] == 1;
    }
    CHECK(bad == 0 && all && n >= 1000 && n <= 3000);
    gohmap_mapiternext(&it); /* after the end: nothing */
    CHECK(it.key == NULL);

    /* A loop left by break, ended with mapiterdone; then one ended by clear. */
    gohmap_mapiterinit(&t, m, &it);
    for (uint64_t i = 0; i < 100; i++) {
        gohmap_mapdelete_fast64(&t, m, i);
    }
    gohmap_mapiterdone(&it);
    gohmap_mapiterdone(&it);
    gohmap_mapiterinit(&t, m, &it);
    CHECK(it.key != NULL);
    gohmap_mapclear(&t, m);
    gohmap_mapiternext(&it);
    CHECK(it.key == NULL); /* clear ends the iteration */
    gohmap_mapiterinit(&t, NULL, &it);
    CHECK(it.key == NULL);
    gohmap_mapfree(&t, m);
}

static void clones(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, 200, 8);
    gohmap_hmap *m = gohmap_makemap_small();
    static char keys[500][16];
    for (int i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        gohmap_string k = str(keys[i]); /* elems over 128 bytes: generic routines only */
        memset(gohmap_mapassign(&t, m, &k), i & 0xff, 200);
    }
    CHECK(gohmap_mapassign_faststr(&t, m, str("x")) == NULL && last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    gohmap_hmap *c = gohmap_mapclone(&t, m);
    CHECK(c != NULL && gohmap_maplen(c) == 500);
    gohmap_mapclear(&t, m);
    int bad = 0;
    for (int i = 0; i < 500; i++) {
        gohmap_string k = str(keys[i]);
        uint8_t *e = gohmap_mapaccess1(&t, c, &k);
        bad += e[0] != (uint8_t)i || e[199] != (uint8_t)i;
    }
    CHECK(bad == 0);
    gohmap_hiter it;
    int n = 0;
    for (gohmap_mapiterinit(&t, c, &it); it.key; gohmap_mapiternext(&it)) {
        n++;
    }
    CHECK(n == 500);
    gohmap_mapfree(&t, c);
    gohmap_mapfree(&t, m);
}

int main(void) {
    test_setup();
    ranges();
    clones();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
