//! `hello-consumer`: not built yet. The consumer arrives with issue #5; until
//! then the binary says so and fails, rather than pretending to work.
fn main() -> std::process::ExitCode {
    eprintln!("hello-consumer: not implemented yet (issue #5)");
    std::process::ExitCode::from(2)
}
