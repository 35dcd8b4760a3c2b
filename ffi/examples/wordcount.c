/* wordcount: counts the words on stdin with gohmap's faststr routines and prints the ten most
 * frequent. The map stores string headers that point into `text`, which outlives the map.
 *
 *   make -C ffi examples && ./target/ffi/wordcount < examples/sample.txt
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gohmap.h"

struct entry {
    gohmap_string word;
    int64_t count;
};

static int by_count(const void *a, const void *b) {
    const struct entry *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    intptr_t n = x->word.len < y->word.len ? x->word.len : y->word.len;
    int c = memcmp(x->word.ptr, y->word.ptr, (size_t)n);
    return c ? c : (x->word.len > y->word.len) - (x->word.len < y->word.len);
}

int main(void) {
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    size_t n;
    while (text && (n = fread(text + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            text = realloc(text, cap *= 2);
        }
    }
    if (!text) {
        return 1;
    }

    gohmap_maptype t; /* map[string]int64 */
    if (gohmap_maptype_init_kind(&t, GOHMAP_KIND_STRING, sizeof(int64_t), 8) != 0) {
        fprintf(stderr, "%s\n", gohmap_maptype_last_error());
        return 1;
    }
    gohmap_hmap *m = gohmap_makemap_small();
    long words = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && !isalnum((unsigned char)text[i])) {
            i++;
        }
        size_t start = i;
        while (i < len && isalnum((unsigned char)text[i])) {
            i++;
        }
        if (i > start) {
            gohmap_string w = {(const uint8_t *)text + start, (intptr_t)(i - start)};
            (*(int64_t *)gohmap_mapassign_faststr(&t, m, w))++; /* m[w]++ */
            words++;
        }
    }

    intptr_t distinct = gohmap_maplen(m);
    struct entry *all = malloc(sizeof *all * (size_t)(distinct ? distinct : 1));
    intptr_t k = 0;
    gohmap_hiter it;
    for (gohmap_mapiterinit(&t, m, &it); it.key; gohmap_mapiternext(&it)) {
        all[k].word = *(gohmap_string *)it.key;
        all[k].count = *(int64_t *)it.elem;
        k++;
    }
    qsort(all, (size_t)k, sizeof *all, by_count);
    printf("%ld words, %ld distinct\n", words, (long)distinct);
    for (intptr_t i = 0; i < k && i < 10; i++) {
        printf("%6lld %.*s\n", (long long)all[i].count, (int)all[i].word.len, (const char *)all[i].word.ptr);
    }
    free(all);
    gohmap_mapfree(&t, m);
    free(text);
    return 0;
}
