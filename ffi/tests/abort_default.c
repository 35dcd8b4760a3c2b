/* With no handler installed, a Go panic prints Go's message on stderr and aborts. Run by
 * tests/c_abi.rs, which expects SIGABRT and the message. */
#include <stdio.h>

#include "gohmap.h"

int main(void) {
    gohmap_maptype t;
    gohmap_maptype_init_kind(&t, GOHMAP_KIND_U64, 8, 8);
    uint64_t k = 1;
    gohmap_mapassign(&t, NULL, &k); /* assignment to entry in nil map */
    printf("not reached\n");
    return 0;
}
