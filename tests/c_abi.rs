//! The C ABI from C: builds the staticlib and cdylib, checks that the shared library exports
//! exactly the functions `ffi/gohmap.h` declares (all `gohmap_`-prefixed), then compiles every C
//! test in `ffi/tests/` with `-std=c11 -Wall -Wextra -Werror -pedantic` (and the header as
//! C++17), links them against the staticlib, and runs them — under valgrind, with zero errors
//! and zero leaks required, when valgrind is installed (set GOHMAP_NO_VALGRIND=1 to skip it).
//! The C examples are built and run on known input too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The staticlib's native dependencies (`--print native-static-libs`).
const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the libraries once, in their own target directory (the outer cargo holds the lock on
/// the default one while tests build).
fn libs() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = root().join("target/ffi");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--lib", "--quiet", "--target-dir"])
            .arg(&target)
            .current_dir(root())
            .status()
            .expect("run cargo");
        assert!(status.success(), "building the C libraries failed");
        target.join("debug")
    })
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Compiles one C or C++ source against the header and the staticlib.
fn build(src: &str, cpp: bool) -> PathBuf {
    let lib = libs();
    let name = Path::new(src).file_stem().unwrap().to_str().unwrap();
    let exe = lib.join(format!("c-{name}"));
    let mut cmd = Command::new(if cpp { "g++" } else { "cc" });
    if cpp {
        cmd.args(["-std=c++17"]);
    } else {
        cmd.args(["-std=c11"]);
    }
    cmd.args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-I"])
        .arg(root().join("ffi"))
        .arg("-I")
        .arg(root().join("ffi/tests"))
        .arg(root().join(src))
        .arg(lib.join("libgohmap.a"))
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&exe);
    run(&mut cmd, &format!("compiling {src}"));
    exe
}

/// Runs a built program (under valgrind when available), feeding `stdin`; returns its stdout.
fn exec(exe: &Path, stdin: &[u8]) -> String {
    let valgrind = have("valgrind") && std::env::var_os("GOHMAP_NO_VALGRIND").is_none();
    let mut cmd = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}{}):\n{stdout}\n{}",
        exe.display(),
        out.status,
        if valgrind { ", under valgrind" } else { "" },
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn c_test(src: &str, cpp: bool) {
    let out = exec(&build(src, cpp), b"");
    let last = out.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "{src}: {out}"
    );
}

#[test]
fn c_core_descriptors_routines_handler_and_allocation_failure() {
    c_test("ffi/tests/test_core.c", false);
}

#[test]
fn c_fast_routines() {
    c_test("ffi/tests/test_fast.c", false);
}

#[test]
fn c_iteration_and_clone() {
    c_test("ffi/tests/test_iter.c", false);
}

#[test]
fn c_introspection_stats_check_and_visit() {
    c_test("ffi/tests/test_introspect.c", false);
}

#[test]
fn c_shrinking_mapshrink_and_mapclear_release() {
    c_test("ffi/tests/test_shrink.c", false);
}

#[test]
fn c_hash_functions() {
    c_test("ffi/tests/test_hash.c", false);
}

#[test]
fn header_compiles_as_cpp17() {
    c_test("ffi/tests/header_cpp.cpp", true);
}

#[test]
fn default_handler_prints_gos_message_and_aborts() {
    use std::os::unix::process::ExitStatusExt;
    let exe = build("ffi/tests/abort_default.c", false);
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(
        out.status.signal(),
        Some(6),
        "SIGABRT expected, got {}",
        out.status
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("panic: assignment to entry in nil map"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not reached"));
}

#[test]
fn wordcount_example_counts_words() {
    let out = exec(
        &build("ffi/examples/wordcount.c", false),
        b"b a c a b a\n d",
    );
    assert_eq!(
        out,
        "7 words, 4 distinct\n     3 a\n     2 b\n     1 c\n     1 d\n"
    );
}

#[test]
fn structkey_example_follows_gos_float_rules() {
    let out = exec(&build("ffi/examples/structkey.c", false), b"");
    assert!(out.contains("Paris: 2100000 (found 1)"), "{out}");
    assert!(out.contains("Atlantis: 0 (found 0)"), "{out}");
    assert!(out.contains("len 5"), "{out}");
    assert!(
        out.contains("stored key updated to -0: 1, NaN entries: 2"),
        "{out}"
    );
}

/// The functions the header declares (names followed by `(` outside typedefs and comments).
fn declared() -> BTreeSet<String> {
    let h = std::fs::read_to_string(root().join("ffi/gohmap.h")).unwrap();
    let mut out = BTreeSet::new();
    for line in h.lines() {
        let l = line.trim_start();
        if l.starts_with('*')
            || l.starts_with("/*")
            || l.starts_with("typedef")
            || l.starts_with('#')
        {
            continue;
        }
        for (i, _) in l.match_indices("gohmap_") {
            let name: String = l[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if l[i + name.len()..].starts_with('(') {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn shared_library_exports_exactly_the_declared_gohmap_functions() {
    let so = libs().join("libgohmap.so");
    let out = run(
        Command::new("nm").args(["-D", "--defined-only"]).arg(&so),
        "nm",
    );
    let exported: BTreeSet<String> = out
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    let stray: Vec<&String> = exported
        .iter()
        .filter(|s| !s.starts_with("gohmap_"))
        .collect();
    assert!(
        stray.is_empty(),
        "exported without the gohmap_ prefix: {stray:?}"
    );
    let declared = declared();
    assert!(
        declared.len() > 50,
        "parsed {} declarations",
        declared.len()
    );
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(missing.is_empty(), "declared but not exported: {missing:?}");
    assert!(
        undeclared.is_empty(),
        "exported but not declared: {undeclared:?}"
    );
}
