//! The `stacktician` binary: see [`stacktician::cli`].

fn main() -> std::process::ExitCode {
    stacktician::main()
}
