//! Printing that survives a closed stdout or stderr: `stackmate create ... | head -2` must not
//! panic on the broken pipe, let alone abandon the create. A failed write ends that line's
//! printing; the operation goes on, and its exit code says how it went.
//!
//! Use [`outln!`] and [`out!`] for stdout, [`errln!`] and [`errout!`] for stderr, in place of
//! `println!`, `print!`, `eprintln!` and `eprint!`, which panic when the write fails.

use std::io::Write;

/// Writes to stdout, ignoring failures (and flushes, so a prompt shows before its answer).
pub fn write_out(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(args).and_then(|()| out.flush());
}

/// Writes to stderr, ignoring failures.
pub fn write_err(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::printing::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::printing::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::printing::write_out(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::printing::write_err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::printing::write_err(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics.
macro_rules! errout {
    ($($arg:tt)*) => { $crate::printing::write_err(format_args!($($arg)*)) };
}

pub(crate) use {errln, errout, out, outln};
