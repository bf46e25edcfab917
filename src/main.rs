//! The `pinhole` binary: parse the command line, run it, report errors.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = pinhole::cli::Cli::parse();
    match pinhole::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
