//! Printing that never panics on a closed pipe.
//!
//! `println!` panics when its reader has gone (`cms audit verify | head -1`
//! closes the pipe after the first line). Every command prints through
//! [`outln!`], [`out!`] and [`errln!`] instead, which treat a closed pipe
//! as the normal end of the reader's interest: the rest of the output is
//! dropped, the command still finishes its work, and its exit status is
//! what it would have been (so `cms audit verify | head -1` still exits 1
//! on a broken chain). Other write errors are ignored too: there is nowhere
//! left to report them.

use std::io::{self, Write};

/// Writes `text` to standard output.
pub(crate) fn stdout(text: &str) {
    write_all(io::stdout().lock(), text);
}

/// Writes `text` to standard error.
pub(crate) fn stderr(text: &str) {
    write_all(io::stderr().lock(), text);
}

fn write_all(mut to: impl Write, text: &str) {
    // A closed pipe (`BrokenPipe`) is the reader's normal end; any other
    // failure has nowhere left to be reported.
    let _ = to.write_all(text.as_bytes()).and_then(|()| to.flush());
}

/// As `println!`, without panicking when standard output is closed.
macro_rules! outln {
    () => {
        $crate::output::stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// As `print!`, without panicking when standard output is closed.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::stdout(&format!($($arg)*))
    };
}

/// As `eprintln!`, without panicking when standard error is closed.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
