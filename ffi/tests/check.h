/* A tiny test harness for the C tests: CHECK(cond), a panic handler that records and can
 * longjmp, and a counting allocator that can fail on the Nth call. */
#ifndef GOHMAP_CHECK_H
#define GOHMAP_CHECK_H

#define _POSIX_C_SOURCE 200809L /* posix_memalign under -std=c11 */

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gohmap.h"

static int check_passed, check_failed;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (c) {                                                                   \
            check_passed++;                                                        \
        } else {                                                                   \
            check_failed++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);  \
        }                                                                          \
    } while (0)

static jmp_buf env;
static int caught;

static int check_report(void) {
    (void)&env;
    (void)caught;
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

/* ---- the panic handler: records the last code and message; jumps when armed ---- */
static int last_code;
static char last_msg[256];
static jmp_buf *jump_to;

static void test_handler(int code, const char *msg) {
    last_code = code;
    strncpy(last_msg, msg, sizeof last_msg - 1);
    last_msg[sizeof last_msg - 1] = 0;
    if (jump_to) {
        jmp_buf *j = jump_to;
        jump_to = NULL;
        longjmp(*j, code);
    }
}

/* Runs STMT with the handler armed to longjmp back; `caught` is then the reported code (0 if
 * none). setjmp stands alone as the controlling expression, as C requires. */
#define CATCH(STMT)                      \
    do {                                 \
        caught = 0;                      \
        if (setjmp(env) == 0) {          \
            jump_to = &env;              \
            STMT;                        \
            jump_to = NULL;              \
        } else {                         \
            caught = last_code;          \
        }                                \
    } while (0)

/* ---- a counting allocator ---- */
static long live_bytes, live_blocks, alloc_calls, fail_at = -1;

static void *test_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (size == 0) {
        fprintf(stderr, "gohmap asked for 0 bytes\n");
        abort();
    }
    if (++alloc_calls == fail_at) {
        return NULL;
    }
    void *p = NULL;
    if (align <= 16) {
        p = calloc(1, size);
    } else if (posix_memalign(&p, align, size) == 0) {
        memset(p, 0, size);
    }
    if (p) {
        live_bytes += (long)size;
        live_blocks++;
    }
    return p;
}

static void test_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx;
    (void)align;
    memset(p, 0xdd, size); /* poison: a read after free sees garbage */
    live_bytes -= (long)size;
    live_blocks--;
    free(p);
}

static void test_setup(void) {
    static const gohmap_allocator a = {test_alloc, test_free, NULL};
    gohmap_set_allocator(&a);
    gohmap_set_panic_handler(test_handler);
    gohmap_set_seed(42);
}

static inline gohmap_string str(const char *s) {
    gohmap_string g;
    g.ptr = (const uint8_t *)s;
    g.len = (intptr_t)strlen(s);
    return g;
}

#endif
