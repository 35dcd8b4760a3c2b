/* structkey: a map keyed by a C struct, with a hasher composed from gohmap's exported hash
 * functions the way Go's compiler composes struct hashers: each field hashed with the previous
 * result as the seed, floats with f64hash (so -0 == +0 and every NaN is a new key).
 *
 *   make -C ffi examples && ./target/ffi/structkey
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gohmap.h"

struct place { /* Go: struct { lat, lon float64; city string } */
    double lat, lon;
    gohmap_string city;
};

static uintptr_t place_hash(const void *p, uintptr_t seed) {
    const struct place *k = p;
    seed = gohmap_f64hash(&k->lat, seed);
    seed = gohmap_f64hash(&k->lon, seed);
    return gohmap_strhash(&k->city, seed);
}

static bool place_equal(const void *a, const void *b) {
    const struct place *x = a, *y = b;
    return x->lat == y->lat && x->lon == y->lon && gohmap_strequal(&x->city, &y->city);
}

static gohmap_string str(const char *s) {
    gohmap_string g = {(const uint8_t *)s, (intptr_t)strlen(s)};
    return g;
}

int main(void) {
    gohmap_maptype t; /* map[place]int32: floats and strings need the key update, NaN breaks k==k */
    if (gohmap_maptype_init(&t, sizeof(struct place), 8, sizeof(int32_t), 4, place_hash,
                            place_equal, GOHMAP_KEY_NEEDUPDATE) != 0) {
        fprintf(stderr, "%s\n", gohmap_maptype_last_error());
        return 1;
    }
    gohmap_hmap *m = gohmap_makemap(&t, 4, NULL);
    struct place paris = {48.8566, 2.3522, str("Paris")}, quito = {-0.1807, -78.4678, str("Quito")};
    struct place null_island = {0.0, 0.0, str("Null Island")};
    *(int32_t *)gohmap_mapassign(&t, m, &paris) = 2100000;
    *(int32_t *)gohmap_mapassign(&t, m, &quito) = 2800000;
    *(int32_t *)gohmap_mapassign(&t, m, &null_island) = 0;

    struct place neg = {-0.0, -0.0, str("Null Island")}; /* equal to +0: the same key */
    *(int32_t *)gohmap_mapassign(&t, m, &neg) += 1;
    struct place lost = {NAN, 0.0, str("Atlantis")}; /* NaN: never found, always new */
    *(int32_t *)gohmap_mapassign(&t, m, &lost) = 1;
    *(int32_t *)gohmap_mapassign(&t, m, &lost) = 2;

    bool ok;
    int32_t v = *(int32_t *)gohmap_mapaccess2(&t, m, &paris, &ok);
    printf("Paris: %d (found %d)\n", v, ok);
    v = *(int32_t *)gohmap_mapaccess2(&t, m, &lost, &ok);
    printf("Atlantis: %d (found %d)\n", v, ok);
    printf("len %ld: Paris, Quito, Null Island once (now keyed by -0), Atlantis twice\n",
           (long)gohmap_maplen(m));
    int negative_zero = 0, nans = 0;
    gohmap_hiter it;
    for (gohmap_mapiterinit(&t, m, &it); it.key; gohmap_mapiternext(&it)) {
        const struct place *k = it.key;
        negative_zero += k->lat == 0 && signbit(k->lat) && *(int32_t *)it.elem == 1;
        nans += isnan(k->lat);
    }
    printf("stored key updated to -0: %d, NaN entries: %d\n", negative_zero, nans);
    gohmap_mapfree(&t, m);
    return 0;
}
