/* The exported hash and equality functions, and composing a struct hasher from them. */
#include "check.h"

int main(void) {
    test_setup();
    const char *s = "hello, gohmap";
    gohmap_string g = str(s);
    CHECK(gohmap_strhash(&g, 7) == gohmap_memhash(s, 7, strlen(s)));
    CHECK(gohmap_strhash(&g, 7) != gohmap_strhash(&g, 8));
    gohmap_string g2 = str("hello, gohmaq");
    CHECK(gohmap_strequal(&g, &g) && !gohmap_strequal(&g, &g2));
    double pz = 0.0, nz = -0.0, nan = 0.0 / 0.0, one = 1.5;
    CHECK(gohmap_f64hash(&pz, 3) == gohmap_f64hash(&nz, 3));
    CHECK(gohmap_f64equal(&pz, &nz) && !gohmap_f64equal(&nan, &nan));
    CHECK(gohmap_f64hash(&nan, 3) != gohmap_f64hash(&nan, 3)); /* NaN: random each time */
    CHECK(gohmap_f64hash(&one, 3) == gohmap_memhash(&one, 3, 8));
    uint32_t a = 12345;
    uint64_t b = 678910;
    CHECK(gohmap_memhash32(&a, 1) == gohmap_memhash32(&a, 1));
    CHECK(gohmap_memequal32(&a, &a) && gohmap_memequal64(&b, &b));
    CHECK(gohmap_memhash0(&a, 99) == 99 && gohmap_memequal0(&a, &b));
    CHECK(gohmap_uses_aes() == 0 || gohmap_uses_aes() == 1);
    /* A struct {double x; int64 y} hashed as Go's compiler does: field by field, chained. */
    struct { double x; int64_t y; } p1 = {-0.0, 4}, p2 = {0.0, 4};
    uintptr_t h1 = gohmap_memhash64(&p1.y, gohmap_f64hash(&p1.x, 11));
    uintptr_t h2 = gohmap_memhash64(&p2.y, gohmap_f64hash(&p2.x, 11));
    CHECK(h1 == h2);
    return check_report();
}
