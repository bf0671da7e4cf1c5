use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = wasmdesk_host::cli::Cli::parse();
    match wasmdesk_host::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
