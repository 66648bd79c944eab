fn main() {
    std::process::exit(cfmini::cli::main());
}
