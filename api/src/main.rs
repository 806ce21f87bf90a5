//! `hello-api`: not built yet. The HTTP API arrives with issue #4; until then
//! the binary says so and fails, rather than pretending to work.
fn main() -> std::process::ExitCode {
    eprintln!("hello-api: not implemented yet (issue #4)");
    std::process::ExitCode::from(2)
}
