/* Introspection through the C ABI: gohmap_mapstats, gohmap_mapcheck, gohmap_mapvisit. */
#include "check.h"

struct tally {
    long calls;
    uint64_t keys, elems;
    long stop_at; /* return 42 on this call (0: never) */
};

static int tally_visitor(void *ctx, void *key, void *elem) {
    struct tally *t = ctx;
    t->calls++;
    t->keys += *(uint64_t *)key;
    t->elems += *(uint64_t *)elem;
    return t->calls == t->stop_at ? 42 : 0;
}

static void stats(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_stats s;
    memset(&s, 0x5a, sizeof s);
    gohmap_mapstats(&t, NULL, &s);
    CHECK(s.count == 0 && s.B == 0 && s.buckets == 0 && s.bytes == 0 && s.load == 0.0);

    long before = live_bytes;
    gohmap_hmap *m = gohmap_makemap_small();
    for (uint64_t i = 0; i < 1000; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i;
    }
    gohmap_mapstats(&t, m, &s);
    CHECK(s.count == 1000 && s.buckets == (uintptr_t)1 << s.B && s.B == 8);
    CHECK(s.grow_kind == GOHMAP_GROW_NONE || s.grow_kind == GOHMAP_GROW_DOUBLING);
    CHECK(s.load == 1000.0 / 256.0);
    CHECK(s.longest_chain >= 1 && s.pins == 0);
    CHECK((long)s.bytes == live_bytes - before); /* exact: what the allocator handed out */

    gohmap_hiter it;
    gohmap_mapiterinit(&t, m, &it);
    gohmap_mapstats(&t, m, &s);
    CHECK(s.pins == 1);
    gohmap_mapiterdone(&it);

    last_code = 0;
    gohmap_mapstats(&t, m, NULL);
    CHECK(last_code == GOHMAP_PANIC_BAD_ARGUMENT);
    gohmap_mapfree(&t, m);
}

static void check(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap(&t, 0, NULL);
    for (uint64_t i = 0; i < 100; i++) {
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = i;
    }
    char msg[128];
    memset(msg, 'x', sizeof msg);
    CHECK(gohmap_mapcheck(&t, m, msg, sizeof msg) == GOHMAP_CHECK_OK && msg[0] == 0);
    CHECK(gohmap_mapcheck(&t, NULL, NULL, 0) == GOHMAP_CHECK_OK);

    m->count++; /* corrupt I6, then repair */
    CHECK(gohmap_mapcheck(&t, m, msg, sizeof msg) == GOHMAP_CHECK_I6_COUNT);
    CHECK(strncmp(msg, "I6: ", 4) == 0);
    char tiny[3];
    CHECK(gohmap_mapcheck(&t, m, tiny, sizeof tiny) == GOHMAP_CHECK_I6_COUNT);
    CHECK(strcmp(tiny, "I6") == 0); /* truncated, terminated */
    m->count--;
    CHECK(gohmap_mapcheck(&t, m, msg, sizeof msg) == GOHMAP_CHECK_OK);

    gohmap_maptype bad = t;
    bad.bucketsize += 8;
    last_code = 0;
    CHECK(gohmap_mapcheck(&bad, m, msg, sizeof msg) == GOHMAP_CHECK_MAPTYPE);
    CHECK(strncmp(msg, "maptype: ", 9) == 0 && last_code == 0); /* returned, not reported */
    CHECK(gohmap_mapcheck(NULL, m, msg, sizeof msg) == GOHMAP_CHECK_MAPTYPE);
    gohmap_mapfree(&t, m);
}

static void visit(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    gohmap_hmap *m = gohmap_makemap_small();
    uint64_t keys = 0;
    for (uint64_t i = 0; i < 833; i++) { /* the 833rd insert leaves a grow half done */
        *(uint64_t *)gohmap_mapassign_fast64(&t, m, i) = 2 * i;
        keys += i;
    }
    gohmap_stats s;
    gohmap_mapstats(&t, m, &s);
    CHECK(s.grow_kind == GOHMAP_GROW_DOUBLING && s.evacuated < s.oldbuckets);

    struct tally a = {0, 0, 0, 0};
    CHECK(gohmap_mapvisit(&t, m, tally_visitor, &a) == 0);
    CHECK(a.calls == 833 && a.keys == keys && a.elems == 2 * keys);

    struct tally stop = {0, 0, 0, 5};
    CHECK(gohmap_mapvisit(&t, m, tally_visitor, &stop) == 42 && stop.calls == 5);

    struct tally none = {0, 0, 0, 0};
    CHECK(gohmap_mapvisit(&t, NULL, tally_visitor, &none) == 0 && none.calls == 0);

    CATCH(gohmap_mapvisit(&t, m, NULL, NULL));
    CHECK(caught == GOHMAP_PANIC_BAD_ARGUMENT);
    gohmap_mapfree(&t, m);
}

static int count_visitor(void *ctx, void *key, void *elem) {
    const gohmap_string *k = key;
    const uint8_t *e = elem;
    *(long *)ctx += k->len > 0 && e[0] == (uint8_t)k->ptr[0] && e[199] == (uint8_t)k->ptr[0];
    return 0;
}

static void visit_out_of_line(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, 200, 8); /* elems stored out of line */
    gohmap_hmap *m = gohmap_makemap_small();
    static char keys[300][8];
    for (int i = 0; i < 300; i++) {
        snprintf(keys[i], sizeof keys[i], "%c%d", 'a' + i % 26, i);
        gohmap_string k = str(keys[i]);
        memset(gohmap_mapassign(&t, m, &k), keys[i][0], 200);
    }
    long good = 0;
    CHECK(gohmap_mapvisit(&t, m, count_visitor, &good) == 0 && good == 300);
    char msg[128];
    CHECK(gohmap_mapcheck(&t, m, msg, sizeof msg) == GOHMAP_CHECK_OK);
    gohmap_mapfree(&t, m);
}

int main(void) {
    test_setup();
    stats();
    check();
    visit();
    visit_out_of_line();
    CHECK(live_bytes == 0 && live_blocks == 0);
    return check_report();
}
