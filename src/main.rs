//! The `pinhole` binary: parse the command line, run it, report errors.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match pinhole::cli::Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match pinhole::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
