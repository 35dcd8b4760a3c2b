//! gomini: a toy Go interpreter whose maps are gohmap maps.
//!
//! `gomini prog.go` checks the whole program (syntax and type errors print
//! `file:line:col: message` and exit 1 before anything runs), then interprets it with the
//! process's stdin and stdout. A Go panic prints Go's message and exits 2.
//!
//! Pipeline: `lexer` → `parser` (AST in `ast`) → `check` + `check_expr` (types in `types`,
//! resolved IR in `ir`) → `interp` (values in `value`, maps in `maps`, library in `library`
//! and `fmt`). Small allocations go through `pool`.

mod ast;
mod check;
mod check_expr;
mod fmt;
mod interp;
mod ir;
mod lexer;
mod library;
mod maps;
mod parser;
mod pool;
mod types;
mod value;

/// Small blocks come from size-class free lists (see `pool.rs`).
#[global_allocator]
static ALLOC: pool::Pool = pool::Pool::new();

use std::ffi::{CStr, c_char, c_int};

/// gohmap's panic handler: its panics (assignment to entry in nil map) are Go panics here.
unsafe extern "C-unwind" fn on_map_panic(code: c_int, msg: *const c_char) {
    // SAFETY: gohmap passes a NUL-terminated message valid for the call.
    let m = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned();
    if code >= gohmap::panic::Code::FATAL_BASE {
        interp::flush_out();
        eprintln!("fatal error: {m}");
        std::process::exit(2);
    }
    interp::go_panic(&m);
}

fn compile(path: &str, src: &str) -> Result<ir::Program, String> {
    let show = |(p, m): (ast::Pos, String)| format!("{path}:{}:{}: {m}", p.line, p.col);
    let toks = lexer::lex(src).map_err(show)?;
    let file = parser::Parser::new(toks).file().map_err(show)?;
    check::Checker::new().program(&file).map_err(show)
}

/// `GOMINI_MEMSTATS=1`: live maps and peak resident memory on stderr (for the tests).
fn memstats() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("0");
    let live = maps::LIVE_MAPS.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("gomini: live maps {live}, peak rss {peak} kB");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: gomini path/to/prog.go");
        std::process::exit(2);
    }
    let path = args[1].clone();
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gomini: {path}: {e}");
            std::process::exit(1);
        }
    };
    gohmap::panic::set_panic_handler(Some(on_map_panic));
    // Deep recursion in the interpreted program needs a deep native stack.
    let child = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            let prog = match compile(&path, &src) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            };
            let mut it = interp::Interp::new(&prog);
            it.run(&prog);
            interp::flush_out();
            if std::env::var_os("GOMINI_MEMSTATS").is_some() {
                memstats();
            }
        })
        .expect("spawn interpreter thread");
    if child.join().is_err() {
        interp::flush_out();
        std::process::exit(2);
    }
}
