//! `hello-operator`: not built yet. The reconciler arrives with issue #3; until
//! then the binary says so and fails, rather than pretending to work.
fn main() -> std::process::ExitCode {
    eprintln!("hello-operator: not implemented yet (issue #3)");
    std::process::ExitCode::from(2)
}
