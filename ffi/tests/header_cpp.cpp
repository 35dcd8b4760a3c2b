// The header compiles as C++17 and links: a minimal use from C++.
#include <cstdio>
#include "gohmap.h"

int main() {
    gohmap_maptype t;
    if (gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8) != 0) return 1;
    gohmap_hmap *m = gohmap_makemap(&t, 0, nullptr);
    *static_cast<uint64_t *>(gohmap_mapassign_fast64(&t, m, 42)) = 7;
    bool ok = false;
    uint64_t v = *static_cast<uint64_t *>(gohmap_mapaccess2_fast64(&t, m, 42, &ok));
    gohmap_mapfree(&t, m);
    std::printf("%d passed, %d failed\n", ok && v == 7 ? 1 : 0, ok && v == 7 ? 0 : 1);
    return ok && v == 7 ? 0 : 1;
}
