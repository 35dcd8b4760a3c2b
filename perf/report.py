#!/usr/bin/env python3
"""Join go119bench and sidebyside output into docs/performance.md (dependency-free).

Usage: report.py --results R.txt --mem M.txt --out docs/performance.md --svg performance.svg
                 --command "..." --checksum "..." --go-note "..." --elapsed SECONDS
                 [--params "..."]

       report.py --results R.txt --out /dev/null --list-close CUTOFF
           (prints `key n op` for each cell where gohmap/Go >= CUTOFF: run.sh runs those again)

Input lines: `impl op keytype n value` (impl: go119, gohmap, hashbrown, floor); everything else
ignored. `floor` lines (sidebyside's call + hash + one bucket byte per probe) make their own
section; they are not an implementation and take no part in the main table or the targets.
"""
import argparse
import datetime
import math
import os
import platform
import subprocess

OP_ORDER = ["insert_fresh", "insert_presized", "lookup_hit", "lookup_miss",
            "update", "delete_all", "iterate"]
KEY_ORDER = ["u32", "u64", "str"]


def read(path):
    d = {}
    if not path or not os.path.exists(path):
        return d
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 5 or p[0].startswith("#"):
                continue
            try:
                k, v = (p[0], p[1], p[2], int(p[3])), float(p[4])
            except ValueError:
                continue
            # A cell measured in several rounds keeps its minimum, as each round keeps the
            # minimum of its repetitions.
            d[k] = min(v, d.get(k, v))
    return d


def close_cells(r, cutoff):
    """The (op, key, n) cells where gohmap/Go >= cutoff, in matrix order."""
    out = []
    for (i, op, k, n), gh in r.items():
        if i != "gohmap":
            continue
        rg = ratio(gh, r.get(("go119", op, k, n)))
        if rg is not None and rg >= cutoff:
            out.append((op, k, n))
    return sorted(out, key=lambda c: (OP_ORDER.index(c[0]) if c[0] in OP_ORDER else 99,
                                      KEY_ORDER.index(c[1]) if c[1] in KEY_ORDER else 99, c[2]))


def recheck_section(r, before, rounds, cutoff):
    """The cells run again after the main rounds: their ratio before and after."""
    cells = close_cells(before, cutoff)
    md = ["## Close cells, run again\n"]
    md.append(f"After the main rounds, the {len(cells)} cells where gohmap/Go was {cutoff:.2f}x or "
              f"more were run {rounds} more rounds each (Go and gohmap back to back, alternating "
              "which goes first), and each side kept its minimum over all its rounds: more draws "
              "of both sides of exactly the ratios in doubt, on a VM where one process of either "
              "side can run 40% slower than the next. The tables above use the figures after.\n")
    if not cells:
        return md + [""]
    md.append("| op | key | n | Go ns/op before | gohmap ns/op before | gohmap/Go before | "
              "Go ns/op after | gohmap ns/op after | gohmap/Go after |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for op, k, n in cells:
        gb, hb_ = before.get(("go119", op, k, n)), before.get(("gohmap", op, k, n))
        ga, ha = r.get(("go119", op, k, n)), r.get(("gohmap", op, k, n))
        md.append(f"| {op} | {k} | {n} | {fmt(gb)} | {fmt(hb_)} | {fmt(ratio(hb_, gb))}x | "
                  f"{fmt(ga)} | {fmt(ha)} | {fmt(ratio(ha, ga))}x |")
    return md + [""]


def fmt(v, digits=2):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}"


def rustc_version():
    try:
        return subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "rustc ?"


WHY = """## What makes it fast, and what stands between it and the targets

Each trick is explained where it lives, with the measurement that justified it (A/B: minimum of
three alternating runs of the old and new `sidebyside` binaries, same machine, same minute):

- **The whole fast operation in the exported function** (`src/fast.rs`, `src/ffi/routines.rs`):
  the generic routine, specialised by key kind, is inlined into `gohmap_mapaccess1_fast64` & co.,
  and `mapaccess1` no longer forwards to `mapaccess2`. lookup_hit u64 n = 8: 6.3 -> 4.0 ns,
  n = 1024: 7.8 -> 6.3.
- **AES hashing in inline assembly** (`src/hash/aes.rs`): `memhash32/64` and strings of 1..16
  bytes are a handful of instructions, but as `#[target_feature]` intrinsics they could not be
  inlined into code compiled without the feature, so every lookup also made a call. Written as
  `asm!` they inline (the selector still decides at run time whether they run). lookup_hit u64
  n = 1024: 6.4 -> 6.15 ns; str 16 B: 10.2 -> 9.2. Compiling whole routines with the feature
  instead added a call level and was slower (lookup_hit u64 n = 8: 5.7 -> 7.0). The round keys
  are the `aesenc`s' memory operands (the key schedule's type is 16-byte aligned, as legacy SSE
  requires), one instruction a round instead of a load and a round: 80 -> 77 instructions a
  fast64 lookup, 128 -> 127 a faststr one (callgrind); time within noise, but see "Big maps"
  below for why each instruction counts there.
- **Tophash words**: lookups match all 8 tophash bytes of a bucket with one SWAR compare; the
  iterator finds the occupied cells of a bucket the same way and steps through them on a small
  fast path (`src/iter.rs`). iterate u64 n = 1024: 9.9 -> 7.5 ns per entry; n = 8: 11.2 -> 8.1.
  On x86-64 lookups, updates and deletes now match with SSE2 instead (`bucket::group::find`:
  `pcmpeqb` + `pmovmskb`, a bit per cell, five instructions where the SWAR match took ten and
  three 64-bit constants): 85.7 -> 79.7 instructions a fast64 lookup (callgrind), lookup_hit
  u64 n = 1024 5.13 -> 4.80 ns, lookup_miss 4.35 -> 3.88, delete_all 24.4 -> 22.6. Inserts
  keep the SWAR search for a free cell: eight inserts into one bucket form a chain of
  dependent searches, and SSE2's trips between integer and vector registers made that chain
  10% slower at n = 8. The iterator's fast step takes every non-empty cell as a candidate
  (marks go to the general walk anyway), five operations fewer an entry: iterate n = 1024
  5.94 -> 5.45 ns, 64K 7.87 -> 7.45.
- **One-bucket maps without hashing**: lookups (as Go does) and now deletes of 4- and 8-byte keys
  scan the lone bucket of a B = 0 map. delete_all u64 n = 8: 17.4 -> 11.1 ns.
- **Huge pages for big arrays** (`src/alloc.rs`): the default allocator maps blocks of 4 MiB and
  more itself, 2 MiB-aligned, with `MADV_HUGEPAGE`, as Go's heap does. u64 n = 1M: insert_fresh
  164 -> 106 ns, insert_presized 123 -> 84, delete_all 140 -> 114, lookup_hit 60 -> 55.
- **Cheaper evacuation**: 4-, 8- and 16-byte slots are copied with single moves instead of a
  `memcpy` call, an empty lone old bucket is marked evacuated with one store, and freeing an old
  array skips the walk for separately allocated overflow buckets when it never had any (arrays
  count them): insert_fresh u64 n = 1M 120 -> 105 ns.
- **Deletes during a shrink** make only in-order progress and delete the key where it is (its
  old chain, or the new bucket it moved to) instead of first moving its two old siblings at
  random: draining 64K u64 keys went from 82 to 51 ns a delete (23 with shrinking disabled).
- **Small maps shrink in one step** (`src/shrink.rs`): a map of up to 4096 buckets that a
  delete leaves under an eighth loaded is copied at once into the smallest array that holds it
  at under half load, skipping sizes, with no evacuation marks or mid-shrink bookkeeping; bigger
  maps still halve incrementally. delete_all u64 n = 1024: 35.6 -> 26.5 ns (Go 29.7), str
  38.2 -> 30.0 (Go 39.3), u64 n = 64K 46.3 -> 40.9. Lone old buckets of a grow or incremental
  shrink are moved in one pass over their full cells and marked with one store (delete_all u64
  n = 1024 36.0 -> 33.2 before the one-step shrink).
- **String updates write only what changed**: an update stores the caller's string pointer
  into the key slot only when it differs, so an update loop over the same strings leaves the
  bucket's cache line clean. update str n = 1024: 13.2 -> 10.5 ns; 64K: 20.7 -> 16.2.
- **Iteration without a call per bucket** (`src/iter.rs`, `next_fast`): the step that finds the
  next entry in the rest of the bucket, its overflow chain or the next main buckets of a map
  that is not growing is inlined into `gohmap_mapiternext`; only growth, evacuation marks and
  the end go through the general walk. iterate u64 n = 1024: 7.7 -> 5.8 ns per entry (Go 8.0).
- **Small blocks from `malloc`, not `calloc`** (`src/alloc.rs`): glibc's `calloc` bypasses the
  per-thread cache, so a map made and freed in a loop paid a `malloc_consolidate` per map (11%
  of insert u32 n = 8). Blocks up to 1 KiB are now `malloc`ed and zeroed: insert n = 8 about
  10% faster (u64 21.0 -> 19.0 ns).
- **Constant slot widths for the fast kinds** (`Bucket::key_slot_of`, `MapKey::SLOT`): a fast
  descriptor always has 4-, 8- or 16-byte key slots and inline elems, so key and elem addresses
  are a shift and an add instead of a multiply by descriptor fields. update u64 n = 1024: 8.2 ->
  7.3 ns, u32 8.1 -> 7.2; lookup_hit u32 6.1 -> 5.9.
- **Shorter incremental shrinks** (`grow::progress`): each delete during a shrink moves sixteen
  old buckets in order (was four), because until the shrink ends every delete may pay two cache
  misses (old bucket, then new). Draining 1M u64 keys: deletes made mid-shrink 129k -> 32k,
  122 -> 102 ns a delete.
- **One-step shrinks up to 16384 buckets** (was 4096; `ONE_STEP_SHRINK_MAX_B`): a 64K-entry map
  no longer halves incrementally twice before its one-step shrink. delete_all u64 n = 64K 42.8
  -> 31.9 ns, u32 35.9 -> 31.0, str 49.5 -> 42.0; worst pause ~240 us (was ~60 us).
- **A short assign path, the rest a call** (`assign::assign_fast`): an assign that finds its
  key, or finds a free cell in its chain of a map that is not growing and need not grow, is
  done inline in the entry point; growth, overflow buckets and out-of-line objects are a call
  that searches again. update u64 n = 1024 7.4 -> 6.4 ns, insert_presized 12.4 -> 9.7,
  insert_fresh n = 8 17.5 -> 15.1. (A path for updates alone made every insert search twice:
  inserts 10-30% slower. The same split for deletes measured within noise, one cell worse.)
- **Error reports out of line** (`ffi::null_maptype`): formatting the routine's name for a
  null descriptor, inlined, made every fast lookup store the name on the stack and build a
  frame first. lookup_hit u64 n = 8 4.6 -> 3.7 ns, lookup_miss u64 n = 1024 4.9 -> 4.4.
- **Deletes without calls** (`delete::remove`, `bucket::zero_slot`): zeroing the deleted key
  and elem went through two `memset` calls (the sizes are run-time values); 4-, 8- and 16-byte
  slots are now single stores, and the removal is inlined. delete_all u32 n = 8 11.6 -> 7.2 ns,
  str n = 8 19.4 -> 15.0, u64 n = 1M ~104 -> 77-88 (memory-bound, noisy).
- **The tombstone run in one store** (`bucket::group::tombstone_run`): a delete that leaves
  only empty cells after it turns itself and the emptyOne cells before it into emptyRest; that
  was a byte loop whose exit mispredicts as a map drains, and is now one mask and one store of
  the tophash word. delete_all u64 n = 1024 23.2 -> 21.6 ns, 64K 29.0 -> 27.0, str 64K 38.4 ->
  33.9.
- **Iteration ends on the fast step** (`iter::next_fast`): reaching the start again in a map
  that is not growing ends the iteration there, instead of calling the general walk to find
  out. iterate n = 8 7.9 -> 7.1 ns an entry. (The two atomic operations that pin and unpin
  the map, so concurrent iterations stay safe, were measured later at 1-3% of iterate n = 8:
  the same loop with plain loads and stores, A/B.)
- **Moved old buckets are not read again** (`grow::evacuate`): an insert during a grow first
  evacuates its key's old bucket, and Go reads that bucket's marks even when the in-order sweep
  (`nevacuate`) has already passed it, a cache miss in a big array for about half the inserts
  made mid-grow; gohmap compares with `nevacuate` first. insert_fresh n = 1M: u64 134 -> 113 ns
  (119 -> 107 in a second A/B), u32 110 -> 95, str 221 -> 214; u64 64K 72 -> 67. Lookups (and
  deletes during a shrink) skip a moved old bucket the same way (`grow::read_bucket`): looking
  up every key of a 912K-entry u64 map caught 92% through its grow, 65.5 -> 59.6 ns (no matrix
  cell looks up in a growing map).
- **Big maps shrink by a quarter** (`shrink.rs`, `BY_FOUR`): an incremental shrink of a map of
  self-equal keys over 16384 buckets goes to a quarter of the buckets at once (old buckets
  `i + m * 2^B`, `m` = 0..3, into new bucket `i`; iterators started mid-shrink walk the four in
  order), moving thirty-two old buckets a delete. Draining 1M keys visits 2^18 + 2^16 old
  buckets instead of 2^18 + 2^17 + 2^16 + 2^15, and the map is at 2^16 buckets from 90K entries
  instead of at 2^17 until 53K. delete_all n = 1M: u64 86 -> 75 ns, u32 77 -> 74.5, str 194 ->
  170; u64 n = 8M 122 -> 101 (thirty-two old buckets a delete rather than sixteen was worth
  79 -> 70 of it for u64 1M in one A/B, strings within noise). Shrinking every map in one step
  measured u64 1M 86 -> 73, at the price of a pause of milliseconds (2^18 buckets copied inside
  one delete); quartering keeps each delete's share near 0.8 us (0.4 us measured at sixteen).
- **Number keys stay in their empty cell** (`delete::remove`): a delete zeroed the deleted key
  as well as its elem, a store into one more cache line, often one the delete did not otherwise
  write, and in a big map one more dirty line to write back to memory. Keys of the number kinds
  hold no pointer, so, as Go does for keys without pointers, they are now left (the next insert
  overwrites them and nothing reads an empty cell's key); strings, pointers and custom keys are
  still zeroed for hosts whose collectors scan buckets. delete_all u64 n = 1M 171 -> 144 ns and
  175 -> 155 (two A/Bs of 3-4 rounds), 64K 49.4 -> 45.3; u32 1M within noise.
- **Freed big arrays kept for reuse** (`src/block_cache.rs`): glibc maps blocks from 128 KiB
  up afresh (or trims them off its heap once freed), so each array a growing map allocated came
  back as pages the kernel faulted in and zeroed one at a time: a fifth of insert_fresh u32 64K
  was page faults. The default allocator keeps freed blocks of 128 KiB and more (first up to
  8 MiB of them) and reuses them, zeroed with one memset, for the same size (as Go's heap
  reuses its spans). A/B with one process per cell, as `perf/run.sh` runs them: insert_fresh
  n = 64K u32 66.0 -> 38.0 ns, u64 62.9 -> 39.7, str 81.8 -> 55.3; kernel time in those runs
  36% -> 0.5%;
  n = 1M cells and deletes within noise; insert_presized 64K 1-5% slower (a memset instead of
  faulting fresh pages in). `gohmap_alloc_trim` frees what is kept. The limit is now 64 MiB
  (`gohmap_alloc_set_cache_limit` changes it; 0 keeps nothing), as much as glibc's own heap may
  hold before it trims, enough for the arrays a 1M-entry map drops. A block that does not fit is
  refused rather than pushing out the oldest, until the oldest has gone unreused through 32
  later offers: a loop of growing maps frees its arrays in the same order every time, and
  evicting the oldest threw out, every time, the 20 MB array the next map needed first. Making
  and dropping 1M-entry maps now maps their big arrays once per process instead of once per
  map (insert_presized str 1M: 4 mmaps of 60 MB in a run -> 1; kernel time 0.2-0.4 -> 0.1 s of
  2.5 s; twelve presized u64 1M maps from C: 0.04-0.12 -> 0.00 s); with huge pages that was
  a few percent of those cells, within this VM's noise in ns.
- **The next cell from a remembered mask** (`iter::mapiternext`, `Hiter::todo`): when the walk
  enters a bucket it keeps, in a byte of Go's padding in the iterator, a bit for each occupied
  cell still to visit, so the steps inside that bucket take the next bit, read that cell's
  tophash again (a cell deleted or evacuated since goes to the general walk) and return; that
  tier is small enough to be inlined into `gohmap_mapiternext` with two saved registers instead
  of six, and the bucket change is a call. Instructions a step (callgrind): n = 8 94 -> 64,
  n = 1024 99 -> 77. The first version was 10-30% *slower* for fewer instructions: the
  compiler read the one-byte rotation with a four-byte load that overlapped `i` and `wrapped`,
  stored as single bytes by the previous step, and a load wider than a pending store waits for
  that store to reach the cache; computing the cell in bytes fixed it. A/B, ns an entry: u64
  n = 8 10.4 -> 8.1, n = 1024 8.95 -> 7.08, str n = 1024 11.2 -> 6.6; 64K and 1M 5-22% faster.
  Then (after the full run in the table above) the per-step checks made once and a bucket whose
  remembered cells are used up left at once instead of searched again: n = 1024 a further
  7-15% (u32 7.27 -> 6.49, u64 7.03 -> 6.51, str 7.77 -> 6.62; 6 rounds), n = 8 within noise.

- **Deletes specialised by key kind** (`delete::remove`): a fast kind keeps keys and elems inline
  in slots of known width, so its deletes no longer test the out-of-line flags or read slot
  widths from the descriptor: 148 -> 136 instructions a fast64 delete (callgrind, delete_all
  u64 n = 1024). delete_all n = 1M u64 110.6 -> 100.8 and 92.5 -> 85.4 ns, u32 95.9 -> 88.7
  and 82.3 -> 78.4 (two A/Bs, 3 and 4 rounds); n = 1024 and strings within noise, as "Big
  maps" below predicts. Inserts skip the same flag test (140 -> 138 instructions).

Tried and dropped (same A/B method): prefetching the rest of the bucket in lookups of arrays of
2^14 buckets and more (3-22% slower at 64K and 1M: the misses of successive lookups already
overlap); addressing the hash keys relative to the instruction pointer instead of through the
GOT (rustc emits non-relaxable `GOTPCREL` for them; 0-8% on n = 8 lookups, but the `lea`
relocation would stop a user from linking `libgohmap.a` into a shared object); evacuation
cursors in registers rather than a two-entry array, and tophash writes as whole words so the
next search can forward them (both within noise; tried again for inserts and deletes after
the iterator's stall below was found: within noise or worse); the iterator's step within a
bucket inlined and its walk to later buckets made a call (96 against 99 instructions a call,
time unchanged; it very likely met the store-forwarding stall that the remembered-mask step
above hit and fixed); skipping the atomic swap that empties the retired list when the list is
already empty (iterate n = 8 within noise);
testing the nil map before the fast family so the routine's own nil test folds away (LLVM
turned the pair into a select and the path grew).

- **Generic routines within 1.5x of the fast ones** (met): `cargo bench --bench
  fast_vs_generic -- --warm-up-time 0.3 --measurement-time 1 --sample-size 10 '/1024'`, same
  map, same keys, generic over fast at n = 1024: lookup hit 1.26x (u32), 1.24x (u64), 1.28x
  (str16); lookup miss 1.37x, 1.22x, 1.28x; update 1.38x, 1.34x, 1.23x (2026-11-21, idle machine).

What it costs and what is left:

- **Shrinking** (issue 9) is paid for by deletes: a drained map copies what is left into
  smaller arrays as it goes, big maps (over 16384 buckets) by incremental quarterings that
  visit every old bucket of every other size they pass through, then free the old array
  (returning pages to the kernel costs too). Without automatic shrinking / with it, measured
  when big maps still halved: u64 n = 1024 22.4 / 26.5 ns, 64K 30.1 / 40.9 (Go, which never
  gives memory back: 29.7, 36.4), u32 64K 25.6 / 32.7, u64 1M 83.7 / 89.9, str 1M 153 / 184.
  Quartering took u64 1M to ~75 and str 1M to ~170 in A/B runs (Go ~82 and ~158), but single
  full runs still put the 1M and 8M delete cells anywhere from 0.9x to 1.1x Go's. String deletes
  at 1M spend most of their time on the stored key's bytes (`perf annotate`: ~60% of the
  routine on that compare), a random read into the 16 MB key arena that Go pays too and that
  shrinking the map does not shrink. At 8M, 79% of the deletes run before the map is under an
  eighth loaded, each a DRAM and TLB miss in a 300 MB array, as Go's are. That is the price of
  going from 40 MB to under 4 MB after deleting 99% of a million entries
  (`docs/shrinking.md`). Shrinking big maps in one step would remove a little more (u64 1M ~73
  against ~75 ns), at the cost of a pause proportional to the array (~240 us measured at 2^14
  buckets, so ~4 ms at 2^18, ~30 ms at 8M entries).
- **The call through the C ABI** and Go's bucket layout (keys and elems in separate arrays, an
  8-entry bucket chained by overflow pointers, evacuation as a separate pass) bound how close it
  can get to hashbrown, which is inlined into its caller, probes 16 control bytes with SSE2 and
  never chains. The floor table above measures the part no implementation of this contract can
  skip: at n <= 1024 the call, the hash and one bucket byte alone take 1.2-1.6x hashbrown's whole
  lookup or miss, and at 1M a miss's one touch of a 144-byte bucket in a 37 MB array takes ~2x
  hashbrown's whole miss (its control bytes, 1 MB, stay in cache). Where the floor is below
  hashbrown (hits and updates of bigger maps, strings), what is left is gohmap's own work after
  the touch, ~2.5x the floor in geometric mean: the tophash match, the key compare (a second
  line, read after the match), returning the elem (a third) and the write flag, and at 1M,
  more than any of those, the number of instructions they take (next bullet). Reaching 1.5x
  overall would need the operation inlined into the caller (LTO with the host, or a header-only
  fast path) - a different contract from the one a compiler emitting `mapaccess1_fast64`
  calls has.
- **Big maps: the instructions of each call, not only its cache misses.** At n = 1M each
  lookup's bucket is a cache miss, but the driver's loop has several lookups' misses in
  flight at once, as many as the CPU's window of in-flight instructions holds, and every
  instruction a call adds takes room in that window. `sidebyside -impls
  floor,floor16,floor32,floor64` adds 16, 32 and 64 register-only instructions (that wait for
  nothing and touch no memory) to the floor's call: u64 n = 1M hits 19.1 -> 34.9 -> 52.1 ->
  65.3 ns, misses 28.4 -> 31.4 -> 53.4 -> 60.3, against 2.84 -> 3.94 -> 5.14 -> 8.05 at
  n = 1024 (minimum of three processes, 2026-11-22). An instruction costs ~0.5-0.7 ns at 1M,
  about eight times its cost at 1024. gohmap's fast64 lookup (77 instructions, ~55 more than
  the floor's call) takes 39.4 (hits) and 45.6 (misses) in the same runs, between floor16 and
  floor32; hashbrown, inlined into the loop, 21.5 and 10.3. That is why twelve instructions
  fewer made deletes 5-9% faster at 1M and changed nothing measurable at 1024, and what
  closing the 1M gap would take: far fewer instructions per operation than a checked C-ABI
  call with Go's hash and write protocol has (saving and restoring callee-saved registers
  alone is 6-14 of them; moving the rare paths out of line did not free those registers,
  the short paths need them), so the operation inlined into the caller, or a batched entry
  point that pays the per-call work once for many keys and can prefetch the next buckets.
- **2x faster than Go in geometric mean** is not ruled out by the floor (it is ~0.3x of Go's
  lookups in geometric mean), but every family would have to be well ahead of Go: lookups at
  n <= 1024 and iteration do the same memory touches as Go's, a call either way, and are now
  10-25% ahead; inserts into a growing map pay the same evacuation Go pays; deletes of big maps
  pay for shrinking, which Go does not do.
- **Fresh pages for arrays over 64 MiB.** Go's heap keeps the memory of a dropped map and
  clears it for the next; gohmap keeps at most 64 MiB of freed arrays, so the 8M-entry cells
  (302 MB arrays) get theirs from the kernel again each time, and a 1M-entry map that grows
  keeps only part of its chain of arrays. On this VM faulting in 54 MB on huge pages took
  9.6 ms, zeroing a reused 54 MB block 0.8 ms (a C loop of mmap, `MADV_HUGEPAGE`, one write
  per page, munmap, against memset; 21.6 ms on small pages). Keeping more means holding
  hundreds of MB a host did not ask for after its maps are gone; a host that wants that can
  raise the limit (`gohmap_alloc_set_cache_limit`) or keep memory its own way through
  `gohmap_set_allocator`.
"""


def floor_section(r, cells):
    """The floor table: how much of a lookup is the call, the hash and one touch of the bucket."""
    fc = [c for c in cells if ("floor",) + c in r]
    if not fc:
        return []
    md = ["## The floor: a call, a hash and one bucket byte\n",
          "`sidebyside` also times, on the same map and probes as gohmap's lookup_hit, lookup_miss "
          "and update cells, the least any map in Go's bucket layout behind one call per operation "
          "must do: call a function through a pointer the optimiser cannot see through, hash the "
          "key with the map's seed (gohmap's own hash), and read the first byte of the key's bucket, "
          "which the driver then reads as it reads a found elem (`floor_touch` in "
          "`perf/src/main.rs`). It compares no key, reads no elem, walks no chain and writes "
          "nothing, so it is a lower bound, not a design. floor/hashbrown above 1 is time "
          "hashbrown's whole operation beats before gohmap's routine has looked inside the bucket; "
          "gohmap/floor is what gohmap spends after that touch.\n",
          "| op | key | n | floor ns | gohmap ns | hashbrown ns | Go ns | gohmap/floor | floor/hashbrown | floor/Go |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    cols = {"gf": [], "fh": [], "fg": []}
    for op, k, n in fc:
        fl = r[("floor", op, k, n)]
        gh, hb, go = (r.get((i, op, k, n)) for i in ("gohmap", "hashbrown", "go119"))
        gf, fh, fg = ratio(gh, fl), ratio(fl, hb), ratio(fl, go)
        for c, v in (("gf", gf), ("fh", fh), ("fg", fg)):
            if v is not None:
                cols[c].append(v)
        md.append(f"| {op} | {k} | {n} | {fmt(fl)} | {fmt(gh)} | {fmt(hb)} | {fmt(go)} | "
                  + " | ".join(f"{fmt(v)}x" if v is not None else "—" for v in (gf, fh, fg)) + " |")
    g = {c: geomean(v) for c, v in cols.items()}
    md.append(f"| **geometric mean** ({len(fc)} cells) | | | | | | | "
              + " | ".join(f"**{fmt(g[c])}x**" if g[c] is not None else "—"
                           for c in ("gf", "fh", "fg")) + " |")
    md.append("")
    return md


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--mem")
    ap.add_argument("--out", required=True)
    ap.add_argument("--svg", default="performance.svg")
    ap.add_argument("--command", default="perf/run.sh")
    ap.add_argument("--checksum", default="")
    ap.add_argument("--go-note", default="")
    ap.add_argument("--go-version", default="")
    ap.add_argument("--elapsed", default="")
    ap.add_argument("--params", default="")
    ap.add_argument("--huge-note", default="")
    ap.add_argument("--list-close", type=float)
    ap.add_argument("--before", help="results of the main rounds, before the re-runs")
    ap.add_argument("--recheck-rounds", type=int, default=0)
    ap.add_argument("--recheck-cutoff", type=float, default=0.95)
    a = ap.parse_args()

    r = read(a.results)
    if a.list_close is not None:
        for op, k, n in close_cells(r, a.list_close):
            print(k, n, op)
        return
    mem = read(a.mem)
    cells = sorted({(op, k, n) for (i, op, k, n) in r if i != "floor"},
                   key=lambda c: (OP_ORDER.index(c[0]) if c[0] in OP_ORDER else 99,
                                  KEY_ORDER.index(c[1]) if c[1] in KEY_ORDER else 99, c[2]))
    rows, slower = [], []
    cols = {"go": [], "gh": [], "hb": [], "gh_go": [], "gh_hb": []}
    for op, k, n in cells:
        go = r.get(("go119", op, k, n))
        gh = r.get(("gohmap", op, k, n))
        hb = r.get(("hashbrown", op, k, n))
        rg, rh = ratio(gh, go), ratio(gh, hb)
        rows.append(f"| {op} | {k} | {n} | {fmt(go)} | {fmt(gh)} | {fmt(hb)} | "
                    f"{fmt(rg)}{'x' if rg else ''} | {fmt(rh)}{'x' if rh else ''} |")
        if go is not None and gh is not None and hb is not None:
            cols["go"].append(go)
            cols["gh"].append(gh)
            cols["hb"].append(hb)
            cols["gh_go"].append(rg)
            cols["gh_hb"].append(rh)
        if rg is not None and rg > 1.0:
            slower.append((rg, op, k, n, go, gh))
    gm = {c: geomean(v) for c, v in cols.items()}
    ncomplete = len(cols["go"])

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = []
    md.append("# Performance: gohmap vs Go 1.19's map vs hashbrown\n")
    md.append(f"Generated by `perf/run.sh` on {now}. Command:\n")
    md.append(f"```sh\n{a.command}\n```\n")
    md.append(f"- Machine: {machine()}. **2 cores, shared with other jobs and noisy**: compare the "
              "ratios within this one run, not absolute figures across runs.")
    md.append(f"- Go: {a.go_version or 'not run'}; Rust: {rustc_version()}; gohmap is driven through "
              "its C ABI entry points (`gohmap_mapassign_fast64`, `gohmap_mapaccess1_faststr`, ...); "
              "hashbrown is `hashbrown::HashMap<K, u64>` with its default hasher (foldhash).")
    if a.params:
        md.append(f"- Matrix: {a.params}.")
    md.append("- Workload: `../shared/bench/go119/main.go` (key sets, probe sets, delete order, ops, "
              "calibration to >= minrep per repetition, minimum of `reps` repetitions). "
              "`perf/src/main.rs` (`sidebyside`) generates the same keys.")
    if a.huge_note:
        md.append(f"- Memory pages: {a.huge_note}.")
    if a.checksum:
        md.append(f"- Key-set checksums (`-checksum`, FNV-1a of every key set at n = 8, 1024, 65536): "
                  f"{a.checksum}")
    if a.go_note:
        md.append(f"- **{a.go_note}**")
    if a.elapsed:
        md.append(f"- Wall time of this run: {a.elapsed} s.")
    md.append("")
    md.append("ns/op (iterate: ns per entry visited); ratios > 1 mean gohmap is slower.\n")
    md.append(f"![ns/op against n]({a.svg})\n")
    md.append("| op | key | n | Go ns/op | gohmap ns/op | hashbrown ns/op | gohmap/Go | gohmap/hashbrown |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|")
    md.extend(rows)
    md.append(f"| **geometric mean** ({ncomplete} cells with all three) | | | {fmt(gm['go'])} | "
              f"{fmt(gm['gh'])} | {fmt(gm['hb'])} | **{fmt(gm['gh_go'])}x** | "
              f"**{fmt(gm['gh_hb'])}x** |" if ncomplete else
              "| **geometric mean** | | | — | — | — | — | — |")
    md.append("")

    md.append("## Memory: bytes per entry at n = 1M, `map[uint64]uint64`\n")
    md.append("| measure | Go 1.19 | gohmap | hashbrown |")
    md.append("|---|---:|---:|---:|")
    n = 1048576
    for label, op in (("live after growing from empty", "mem_live"),
                      ("live, presized (`make(m, n)`)", "mem_live_presized"),
                      ("total allocated while growing", "mem_alloc_total"),
                      ("RSS growth while growing", "mem_rss")):
        vals = [mem.get((i, op, "u64", n)) for i in ("go119", "gohmap", "hashbrown")]
        if any(v is not None for v in vals):
            md.append(f"| {label} | " + " | ".join(fmt(v) for v in vals) + " |")
    md.append("")
    md.append("Go: `HeapAlloc` delta after two GCs (`go119bench -mem`); gohmap: live bytes seen by a "
              "counting allocator installed with `gohmap::alloc::set_allocator` (requested sizes, no "
              "malloc overhead); hashbrown: `HashMap::allocation_size()`. Key payload is 16 bytes "
              "per entry in all three.\n")

    md.append("## Where gohmap is slower than Go\n")
    if slower:
        md.append("| gohmap/Go | op | key | n | Go ns/op | gohmap ns/op |")
        md.append("|---:|---|---|---:|---:|---:|")
        for rg, op, k, n, go, gh in sorted(slower, reverse=True):
            md.append(f"| {rg:.2f}x | {op} | {k} | {n} | {fmt(go)} | {fmt(gh)} |")
    else:
        md.append("None in this run." if ncomplete else "Not measured (Go not run).")
    md.append("")
    if a.before and a.recheck_rounds > 0 and ncomplete:
        md.extend(recheck_section(r, read(a.before), a.recheck_rounds, a.recheck_cutoff))
    md.append("## Targets of issue 7, in this run\n")
    if ncomplete:
        lk = [ratio(r.get(("gohmap", op, k, n)), r.get(("hashbrown", op, k, n)))
              for (op, k, n) in cells if op in ("lookup_hit", "lookup_miss", "update")]
        lk = [x for x in lk if x is not None]
        md.append("| target | wanted | this run | met |")
        md.append("|---|---:|---:|---|")
        md.append(f"| gohmap/Go, geometric mean over the matrix | <= 0.50x | {fmt(gm['gh_go'])}x | "
                  f"{'yes' if gm['gh_go'] <= 0.5 else 'no'} |")
        md.append(f"| cells where gohmap is slower than Go | 0 | {len(slower)} of {ncomplete} | "
                  f"{'yes' if not slower else 'no'} |")
        if lk:
            g = geomean(lk)
            md.append(f"| gohmap/hashbrown, lookup hit + miss + update | <= 1.50x | {fmt(g)}x | "
                      f"{'yes' if g <= 1.5 else 'no'} |")
        md.append("")
    md.extend(floor_section(r, cells))
    md.append(WHY)
    md.append("## Method and caveats\n")
    md.append("- Every cell: iterations calibrated so one repetition takes at least `minrep`, then "
              "the minimum ns/op over `reps` repetitions (Go's `measure`, transcribed). `run.sh` "
              "runs each cell in Go and in the Rust driver back to back (alternating which goes "
              "first), once per round, and keeps each implementation's minimum over the rounds, so "
              "the drift of this shared machine hits both sides of a ratio alike. Cells that end the "
              "rounds close to Go or behind it are then run more rounds (\"Close cells, run "
              "again\").")
    md.append("- `insert_*`: Go leaves each map to its GC (the loop pays allocation and the collection "
              "it triggers); gohmap and hashbrown free each map inside the timed loop.")
    md.append("- `delete_all`: `max(1, 4096/n)` maps built untimed per batch, then every key deleted "
              "in the `del` order, timed.")
    md.append("- String keys: 16 printable bytes in one arena per key set; probes in their own arenas "
              "(so pointer-equality shortcuts never fire). gohmap stores `GoString` headers, "
              "hashbrown `&[u8]` slices of the same arenas.")
    md.append("- Every gohmap call crosses the C ABI (an `extern \"C\"` call per operation, no "
              "inlining, no LTO) as a compiler-emitted call would; Go's compiler also calls its "
              "runtime map routines out of line, hashbrown is fully inlined.")
    md.append("- Cells with n >= 1M are memory-bound and vary most between runs: "
              "two full runs on the shared 2-core box (with and without `--hugepages`) moved some of "
              "them by up to 40% either way, while the geometric means stayed within 0.01x. "
              "Go's side of them varies more than gohmap's: on 2026-11-22, on a VM where every "
              "cell took 1.5-2x its time of the day before, four back-to-back runs of Go's "
              "insert_presized str 1M took 112-190 ns, gohmap's 162-172; the minimum over "
              "rounds keeps each side's luckiest run.")
    md.append("- Raw output lines of this run: `docs/performance-raw.txt`. Chart: "
              f"`docs/{a.svg}` (made by `perf/chart.py`).")
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
