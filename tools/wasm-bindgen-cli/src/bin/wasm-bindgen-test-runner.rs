//! `wasm-bindgen-test-runner`: the upstream test runner (Node and headless browsers), built
//! from the pinned library; `.cargo/config.toml` makes it the runner of wasm32 test binaries.

fn main() {
    env_logger::init();
    if let Err(e) =
        wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(std::env::args_os())
    {
        eprintln!("error: {e:?}");
        std::process::exit(1);
    }
}
