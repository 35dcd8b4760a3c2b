//! gomini: a toy Go-like interpreter whose maps are gohmap maps (work in progress).

fn main() {
    eprintln!("usage: gomini path/to/prog.go");
    std::process::exit(2);
}
