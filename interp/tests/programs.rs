//! Runs the built `gomini` on the examples and on the per-feature, per-error and per-panic
//! programs under `tests/`, comparing with expected outputs. Every `.out` next to a `.go`
//! under `examples/`, `tests/go/` and `tests/panics/` was produced by Go 1.19 (`go run`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs gomini on `file` (relative to `dir`, which is the working directory, so error
/// messages carry the bare file name) with `stdin`.
fn run_in(dir: &Path, file: &str, stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gomini"));
    cmd.arg(file)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run gomini");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    let out = child.wait_with_output().expect("wait gomini");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn run_src(src: &str, stdin: &str) -> Run {
    let dir = std::env::temp_dir().join(format!("gomini-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let name = format!("p{:x}.go", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        src.hash(&mut h);
        h.finish()
    });
    std::fs::write(dir.join(&name), src).expect("write program");
    run_in(&dir, &name, stdin.as_bytes(), &[])
}

fn programs(dir: &str) -> Vec<(PathBuf, String)> {
    let d = root().join(dir);
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(&d)
        .expect("test dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "go").then(|| {
                let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
                (d.clone(), stem)
            })
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no programs in {dir}");
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn input(dir: &Path, stem: &str) -> Vec<u8> {
    std::fs::read(dir.join(format!("{stem}.in"))).unwrap_or_default()
}

/// Programs whose whole stdout must equal Go's (`.out`), exit status 0 (or as Go's).
fn check_outputs(dir: &str) {
    let mut failures = Vec::new();
    for (d, stem) in programs(dir) {
        let want = read(&d.join(format!("{stem}.out")));
        let r = run_in(&d, &format!("{stem}.go"), &input(&d, &stem), &[]);
        let want_code = if stem == "scanner" { 3 } else { 0 };
        if r.stdout != want || r.code != want_code {
            failures.push(format!(
                "{dir}/{stem}.go: exit {} (want {want_code})\n--- want\n{want}--- got\n{}--- stderr\n{}",
                r.code, r.stdout, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_match_go() {
    check_outputs("examples");
}

/// The benchmark's own programs (small inputs here; `bench/run.sh` uses large ones).
#[test]
fn bench_programs_match_go() {
    check_outputs("bench");
}

#[test]
fn features_match_go() {
    check_outputs("tests/go");
}

/// Syntax and type errors: `file:line:col: message` (the `.err` files; their first lines are
/// Go 1.19's messages except for the unsupported import), exit 1, nothing run.
#[test]
fn compile_errors() {
    let mut failures = Vec::new();
    for (d, stem) in programs("tests/errors") {
        let want = read(&d.join(format!("{stem}.err")));
        let r = run_in(&d, &format!("{stem}.go"), b"", &[]);
        if r.stderr != want || r.code != 1 || !r.stdout.is_empty() {
            failures.push(format!(
                "errors/{stem}.go: exit {}\nwant: {want}got: {}stdout: {}",
                r.code, r.stderr, r.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runtime panics: Go's message on stderr, exit 2, and the output printed before the panic.
#[test]
fn runtime_panics() {
    let mut failures = Vec::new();
    for (d, stem) in programs("tests/panics") {
        let want_out = read(&d.join(format!("{stem}.out")));
        let want_err = read(&d.join(format!("{stem}.err")));
        let r = run_in(&d, &format!("{stem}.go"), b"", &[]);
        let first = r.stderr.lines().next().unwrap_or("").to_string() + "\n";
        if r.code != 2 || r.stdout != want_out || first != want_err {
            failures.push(format!(
                "panics/{stem}.go: exit {}\nwant: {want_err}got: {first}stdout: {}",
                r.code, r.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `range` over a map sees Go's randomized order: the same program prints different orders.
#[test]
fn map_order_is_randomized() {
    let src = r#"package main

import "fmt"

func main() {
	m := map[int]bool{}
	for i := 0; i < 50; i++ {
		m[i] = true
	}
	for k := range m {
		fmt.Print(k, " ")
	}
	fmt.Println()
}
"#;
    let orders: std::collections::HashSet<String> =
        (0..6).map(|_| run_src(src, "").stdout).collect();
    assert!(orders.len() > 1, "six runs gave one order: {orders:?}");
    for o in &orders {
        let mut keys: Vec<i32> = o.split_whitespace().map(|k| k.parse().unwrap()).collect();
        keys.sort();
        assert_eq!(keys, (0..50).collect::<Vec<_>>());
    }
}

/// A loop that makes and drops maps runs in constant memory, and every map is freed.
#[test]
fn dropped_maps_are_freed() {
    let d = root().join("tests/go");
    let r = run_in(&d, "memory.go", b"", &[("GOMINI_MEMSTATS", "1")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stats = r.stderr.lines().last().unwrap_or("");
    assert!(stats.contains("live maps 0,"), "{stats}");
    let peak: u64 = stats
        .split("peak rss ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    // 200,000 maps with 20 string keys each would need hundreds of MB if they leaked.
    assert!(peak < 64 * 1024, "peak rss {peak} kB");
}

/// `GOMINI_DEBUG=maps` prints gohmap's statistics for every map fmt prints (stderr only), and
/// they show a map that lost 99.99% of its entries holding a few buckets, not 2^14.
#[test]
fn debug_map_stats_show_deleted_maps_shrinking() {
    let d = root().join("tests/go");
    let r = run_in(&d, "shrink.go", b"", &[("GOMINI_DEBUG", "maps")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "100000 map[1:1]\n10 map[99990:v 99991:v 99992:v 99993:v 99994:v 99995:v 99996:v \
         99997:v 99998:v 99999:v]\n"
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].starts_with("gomini: map len 1 B 0 "),
        "{}",
        lines[0]
    );
    let field = |l: &str, name: &str| -> u64 {
        l.split(&format!(" {name} "))
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(lines[1].starts_with("gomini: map len 10 "), "{}", lines[1]);
    assert!(field(lines[1], "B") <= 4, "{}", lines[1]);
    assert!(field(lines[1], "bytes") < 8192, "{}", lines[1]);
    // Without the variable, stderr stays empty.
    let plain = run_in(&d, "shrink.go", b"", &[]);
    assert_eq!((plain.stdout, plain.stderr), (r.stdout, String::new()));
}

/// Reference cycles (a map holding a closure that captures the map) are not collected: the
/// program still runs correctly; the cycle's memory is only reclaimed at exit.
#[test]
fn cycles_run_and_leak_only_themselves() {
    let src = r#"package main

import "fmt"

func main() {
	for i := 0; i < 1000; i++ {
		m := map[string]func() int{}
		m["self"] = func() int { return len(m) }
		fmt.Sprint(m["self"]())
	}
	fresh := map[int]int{1: 1}
	fmt.Println(len(fresh))
}
"#;
    let dir = std::env::temp_dir().join(format!("gomini-cycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cycle.go"), src).unwrap();
    let r = run_in(&dir, "cycle.go", b"", &[("GOMINI_MEMSTATS", "1")]);
    assert_eq!(r.stdout, "1\n");
    assert!(r.stderr.contains("live maps 1000,"), "{}", r.stderr);
}

/// Keys are routed as Go's compiler routes them; checked through behaviour that differs
/// between routes is impossible, so check the key kinds all work together in one program.
#[test]
fn every_key_kind() {
    let src = r#"package main

import "fmt"

type s1 struct{ a string }
type mixed struct {
	b bool
	i int8
	f float64
	s string
	a [2]uint16
}

func main() {
	m1 := map[bool]int{true: 1}
	m2 := map[int8]int{-8: 1}
	m3 := map[int16]int{-16: 1}
	m4 := map[int32]int{-32: 1}
	m5 := map[int64]int{-64: 1}
	m6 := map[uint]int{6: 1}
	m7 := map[byte]int{7: 1}
	m8 := map[uint16]int{8: 1}
	m9 := map[uint32]int{9: 1}
	m10 := map[uint64]int{10: 1}
	m11 := map[float64]int{1.1: 1}
	m12 := map[string]int{"s": 1}
	m13 := map[s1]int{{"x"}: 1}
	m14 := map[[1]string]int{{"y"}: 1}
	m15 := map[mixed]int{{true, -1, 2.5, "z", [2]uint16{1, 2}}: 1}
	m16 := map[[4]byte]int{{1, 2, 3, 4}: 1}
	m17 := map[struct{ a, b int32 }]int{{1, 2}: 1}
	m18 := map[[0]int]int{{}: 1}
	m19 := map[int]int{}
	m13[s1{"x"}]++
	m14[[1]string{"y"}]++
	m15[mixed{true, -1, 2.5, "z", [2]uint16{1, 2}}]++
	m16[[4]byte{1, 2, 3, 4}]++
	m17[struct{ a, b int32 }{1, 2}]++
	m18[[0]int{}]++
	big := [40]int{}
	m20 := map[[40]int][40]int{big: big}
	big[3] = 3
	m20[big] = big
	fmt.Println(m1[true], m2[-8], m3[-16], m4[-32], m5[-64], m6[6], m7[7], m8[8], m9[9], m10[10], m11[1.1], m12["s"])
	fmt.Println(m13, m14, m15, m16, m17, m18, len(m19), len(m20), m20[big][3])
}
"#;
    let r = run_src(src, "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "1 1 1 1 1 1 1 1 1 1 1 1\nmap[{x}:2] map[[y]:2] map[{true -1 2.5 z [1 2]}:2] map[[1 2 3 4]:2] map[{1 2}:2] map[[]:2] 0 2 3\n"
    );
}
