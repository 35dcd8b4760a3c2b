/* The specialised routines through the C ABI: each family, interchangeable with the generic
 * routines on one map, refusing descriptors of another family, and the pointer forms. */
#include "check.h"

static void fast32_and_fast64(void) {
    gohmap_maptype t32, t64;
    gohmap_maptype_init_kind(&t32, GOHMAP_KIND_U32, 4, 4);
    gohmap_maptype_init_kind(&t64, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *a = gohmap_makemap_small(), *b = gohmap_makemap(&t64, 100, NULL);
    for (uint32_t i = 0; i < 5000; i++) {
        *(uint32_t *)gohmap_mapassign_fast32(&t32, a, i * 7u) = i;
        *(uint64_t *)gohmap_mapassign_fast64(&t64, b, (uint64_t)i << 33) = i;
    }
    bool ok;
    int bad = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t k32 = i * 7u;
        uint64_t k64 = (uint64_t)i << 33;
        bad += *(uint32_t *)gohmap_mapaccess1_fast32(&t32, a, k32) != i;
        bad += *(uint32_t *)gohmap_mapaccess1(&t32, a, &k32) != i; /* generic, same map */
        bad += *(uint64_t *)gohmap_mapaccess2_fast64(&t64, b, k64, &ok) != i || !ok;
    }
    CHECK(bad == 0);
    CHECK(*(uint32_t *)gohmap_mapaccess2_fast32(&t32, a, 1, &ok) == 0 && !ok);
    for (uint32_t i = 0; i < 5000; i += 2) {
        uint32_t k32 = i * 7u;
        if (i % 4) {
            gohmap_mapdelete_fast32(&t32, a, k32);
        } else {
            gohmap_mapdelete(&t32, a, &k32);
        }
        gohmap_mapdelete_fast64(&t64, b, (uint64_t)i << 33);
    }
    CHECK(gohmap_maplen(a) == 2500 && gohmap_maplen(b) == 2500);
    gohmap_mapfree(&t32, a);
    gohmap_mapfree(&t64, b);
}

static void faststr(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, 8, 8);
    gohmap_hmap *m = gohmap_makemap_small();
    static char keys[300][40];
    for (int i = 0; i < 300; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%d-%s", i, i % 3 ? "long enough to be long" : "");
        *(uint64_t *)gohmap_mapassign_faststr(&t, m, str(keys[i])) = (uint64_t)i;
    }
    int bad = 0;
    for (int i = 0; i < 300; i++) {
        char copy[40];
        strcpy(copy, keys[i]); /* equal bytes behind another pointer */
        gohmap_string s = str(copy);
        bad += *(uint64_t *)gohmap_mapaccess1_faststr(&t, m, s) != (uint64_t)i;
        bad += *(uint64_t *)gohmap_mapaccess1(&t, m, &s) != (uint64_t)i;
    }
    CHECK(bad == 0);
    gohmap_mapdelete_faststr(&t, m, str("key-1-long enough to be long"));
    CHECK(gohmap_maplen(m) == 299);
    gohmap_string empty = {NULL, 0};
    *(uint64_t *)gohmap_mapassign_faststr(&t, m, empty) = 77;
    CHECK(*(uint64_t *)gohmap_mapaccess1_faststr(&t, m, str("")) == 77);
    gohmap_mapfree(&t, m);
}

static void wrong_family_and_pointer_forms(void) {
    gohmap_maptype t64, tstr, tbig;
    gohmap_maptype_init_kind(&t64, GOHMAP_KIND_PTR, 8, 8);
    gohmap_maptype_init_kind(&tstr, GOHMAP_KIND_STRING, 8, 8);
    gohmap_maptype_init_kind(&tbig, GOHMAP_KIND_U64, 200, 8);
    gohmap_hmap *m = gohmap_makemap_small();
    static int objs[10];
    for (int i = 0; i < 10; i++) {
        *(int64_t *)gohmap_mapassign_fast64ptr(&t64, m, &objs[i]) = i;
    }
    CHECK(*(int64_t *)gohmap_mapaccess1_fast64(&t64, m, (uint64_t)(uintptr_t)&objs[4]) == 4);

    void *r;
    gohmap_hmap *n = gohmap_makemap_small();
    *(uint64_t *)gohmap_mapassign_fast64(&t64, n, 1) = 1;
    CATCH(r = gohmap_mapassign_fast32(&t64, n, 1));
    CHECK(caught == GOHMAP_PANIC_BAD_ARGUMENT && strstr(last_msg, "mapassign_fast32") != NULL);
    (void)r;
    last_code = 0;
    CHECK(gohmap_mapassign_faststr(&t64, n, str("x")) == NULL && last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    CHECK(gohmap_maplen(n) == 1);
    gohmap_hmap *big = gohmap_makemap_small();
    last_code = 0;
    CHECK(gohmap_mapassign_fast64(&tbig, big, 1) == NULL && last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    /* The nil map comes first, as in Go. */
    last_code = 0;
    CHECK(gohmap_mapassign_fast32(&t64, NULL, 1) == NULL && last_code == GOHMAP_PANIC_NIL_MAP);

    gohmap_maptype t32;
    gohmap_maptype_init_kind(&t32, GOHMAP_KIND_U32, 8, 8);
    gohmap_hmap *s = gohmap_makemap_small();
    *(uint64_t *)gohmap_mapassign_fast32ptr(&t32, s, (void *)(uintptr_t)0x1234) = 5;
    CHECK(*(uint64_t *)gohmap_mapaccess1_fast32(&t32, s, 0x1234) == 5);

    gohmap_mapfree(&t64, m);
    gohmap_mapfree(&t64, n);
    gohmap_mapfree(&tbig, big);
    gohmap_mapfree(&t32, s);
}

int main(void) {
    test_setup();
    fast32_and_fast64();
    faststr();
    wrong_family_and_pointer_forms();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
