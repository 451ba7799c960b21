fn main() -> std::process::ExitCode {
    api::tools::cli::main()
}
