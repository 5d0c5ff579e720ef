//! The `stackmate` command; everything lives in the `stackmate_cli` library.

fn main() -> std::process::ExitCode {
    stackmate_cli::main_with(std::env::args_os())
}
