#!/usr/bin/env python3
"""Dependency-free SVG chart of ns/op against n for the side-by-side runner.

Usage: chart.py RESULTS.txt OUT.svg [--title TEXT]

RESULTS.txt holds lines `impl op keytype n ns_per_op` (the output of go119bench and
sidebyside; other lines are ignored). One panel per op; in each panel one line per
implementation x key type; x is n on a log scale, y is ns/op on a log scale.
"""
import math
import sys

IMPL_ORDER = ["go119", "gohmap", "hashbrown"]
IMPL_COLOR = {"go119": "#1f77b4", "gohmap": "#d62728", "hashbrown": "#2ca02c"}
KEY_ORDER = ["u32", "u64", "str"]
KEY_DASH = {"u32": "2,3", "u64": "", "str": "8,4"}
KEY_MARK = {"u32": "square", "u64": "circle", "str": "triangle"}
OP_ORDER = ["insert_fresh", "insert_presized", "lookup_hit", "lookup_miss",
            "update", "delete_all", "iterate"]


def read(path):
    data = {}  # (op) -> (impl, key) -> [(n, ns)]
    with open(path) as f:
        for line in f:
            p = line.split()
            # The floor (call + hash + one bucket byte) is a table in the report, not a line here.
            if len(p) != 5 or p[0].startswith("#") or p[1].startswith("mem_") or p[0] == "floor":
                continue
            try:
                n, ns = int(p[3]), float(p[4])
            except ValueError:
                continue
            data.setdefault(p[1], {}).setdefault((p[0], p[2]), {})
            cell = data[p[1]][(p[0], p[2])]
            cell[n] = min(ns, cell.get(n, ns))  # several rounds: keep the minimum
    return {op: {ik: sorted(c.items()) for ik, c in d.items()} for op, d in data.items()}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_n(n):
    for unit, div in (("M", 1 << 20), ("k", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def marker(kind, x, y, color, title=""):
    t = f"<title>{esc(title)}</title>" if title else ""
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.8" fill="{color}">{t}</circle>'
    if kind == "square":
        return (f'<rect x="{x - 2.6:.1f}" y="{y - 2.6:.1f}" width="5.2" height="5.2" '
                f'fill="{color}">{t}</rect>')
    return (f'<polygon points="{x:.1f},{y - 3.2:.1f} {x - 3:.1f},{y + 2.4:.1f} '
            f'{x + 3:.1f},{y + 2.4:.1f}" fill="{color}">{t}</polygon>')


def dash_attr(dash):
    return f' stroke-dasharray="{dash}"' if dash else ""


def panel(op, series, ox, oy, w, h):
    out = []
    pl, pr, pt, pb = 48, 10, 22, 30  # plot margins inside the panel
    x0, x1, y0, y1 = ox + pl, ox + w - pr, oy + pt, oy + h - pb
    ns_all = [ns for pts in series.values() for _, ns in pts if ns > 0]
    n_all = sorted({n for pts in series.values() for n, _ in pts})
    if not ns_all or not n_all:
        return ""
    lx0, lx1 = math.log2(n_all[0]), math.log2(n_all[-1])
    if lx1 == lx0:
        lx0, lx1 = lx0 - 1, lx1 + 1
    ly0 = math.floor(math.log10(min(ns_all)) * 2) / 2
    ly1 = math.ceil(math.log10(max(ns_all)) * 2) / 2
    if ly1 == ly0:
        ly1 = ly0 + 0.5

    def X(n):
        return x0 + (math.log2(n) - lx0) / (lx1 - lx0) * (x1 - x0)

    def Y(ns):
        return y1 - (math.log10(ns) - ly0) / (ly1 - ly0) * (y1 - y0)

    out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
               f'fill="#fff" stroke="#999"/>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{oy + 15}" text-anchor="middle" '
               f'font-weight="bold">{esc(op)}{" (ns per entry)" if op == "iterate" else ""}</text>')
    # y grid: 1, 2, 5 x 10^k
    for dec in range(math.floor(ly0), math.ceil(ly1) + 1):
        for m in (1, 2, 5):
            v = m * 10.0 ** dec
            if not (10 ** ly0 * 0.999 <= v <= 10 ** ly1 * 1.001):
                continue
            y = Y(v)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#ddd"'
                       f'{"" if m == 1 else dash_attr("2,2")}/>')
            out.append(f'<text x="{x0 - 4}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10">'
                       f'{v:g}</text>')
    for n in n_all:
        x = X(n)
        out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{y1 + 13}" text-anchor="middle" font-size="10">'
                   f'{nice_n(n)}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 26}" text-anchor="middle" '
               f'font-size="10">n (log scale)</text>')
    out.append(f'<text x="{ox + 11}" y="{(y0 + y1) / 2:.1f}" text-anchor="middle" font-size="10" '
               f'transform="rotate(-90 {ox + 11} {(y0 + y1) / 2:.1f})">ns/op (log)</text>')
    for impl in IMPL_ORDER + sorted({i for i, _ in series} - set(IMPL_ORDER)):
        for key in KEY_ORDER + sorted({k for _, k in series} - set(KEY_ORDER)):
            pts = sorted(series.get((impl, key), []))
            pts = [(n, ns) for n, ns in pts if ns > 0]
            if not pts:
                continue
            color = IMPL_COLOR.get(impl, "#777")
            dash = KEY_DASH.get(key, "1,1")
            d = " ".join(f"{X(n):.1f},{Y(ns):.1f}" for n, ns in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="1.6"'
                       f'{dash_attr(dash)}>'
                       f'<title>{esc(impl)} {esc(key)}</title></polyline>')
            for n, ns in pts:
                out.append(marker(KEY_MARK.get(key, "circle"), X(n), Y(ns), color,
                                  f"{impl} {op} {key} n={n}: {ns:.2f} ns"))
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    title = "ns/op against n: Go 1.19 map, gohmap (C ABI), hashbrown"
    if "--title" in args:
        i = args.index("--title")
        title = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    data = read(args[0])
    ops = [o for o in OP_ORDER if o in data] + sorted(set(data) - set(OP_ORDER))
    if not ops:
        sys.exit("chart.py: no result lines in " + args[0])
    cols, pw, ph = 2, 440, 290
    legend_h = 64
    rows = (len(ops) + cols - 1) // cols
    W, H = cols * pw + 20, rows * ph + legend_h + 40
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="#fafafa"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
           f'{esc(title)}</text>']
    # legend
    lx, ly = 20, 44
    impls = [i for i in IMPL_ORDER if any(i == a for s in data.values() for a, _ in s)]
    keys = [k for k in KEY_ORDER if any(k == b for s in data.values() for _, b in s)]
    for j, impl in enumerate(impls):
        x = lx + j * 150
        svg.append(f'<line x1="{x}" y1="{ly}" x2="{x + 30}" y2="{ly}" stroke="{IMPL_COLOR[impl]}" '
                   f'stroke-width="3"/><text x="{x + 36}" y="{ly + 4}">{esc(impl)}</text>')
    for j, key in enumerate(keys):
        x = lx + j * 150
        dash = KEY_DASH[key]
        svg.append(f'<line x1="{x}" y1="{ly + 20}" x2="{x + 30}" y2="{ly + 20}" stroke="#333" '
                   f'stroke-width="1.6"{dash_attr(dash)}/>'
                   + marker(KEY_MARK[key], x + 15, ly + 20, "#333")
                   + f'<text x="{x + 36}" y="{ly + 24}">{esc(key)} keys</text>')
    svg.append(f'<text x="{lx + 460}" y="{ly + 4}" font-size="11" fill="#555">colour = '
               f'implementation, dash/marker = key type; lower is better</text>')
    for i, op in enumerate(ops):
        r, c = divmod(i, cols)
        svg.append(panel(op, data[op], 10 + c * pw, legend_h + 30 + r * ph, pw, ph))
    svg.append("</svg>")
    with open(args[1], "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
