//! How a process ends, alike for the three binaries: a last log line, and on
//! failure one plain line on stderr, which a terminal and
//! `kubectl logs --previous` show even when the JSON logs are filtered out.

use std::fmt::Display;
use std::process::ExitCode;

/// `ExitCode::SUCCESS` after "stopped"; otherwise the error logged and
/// printed as `BINARY: ERROR`, and the code `code` gives it (1 for most
/// failures; `hello-consumer` returns 2 for bad flags or environment).
pub fn exit<E: Display>(
    binary: &str,
    result: Result<(), E>,
    code: impl FnOnce(&E) -> u8,
) -> ExitCode {
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "{binary} failed");
            eprintln!("{binary}: {error}");
            ExitCode::from(code(&error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_the_code_the_error_asks_for() {
        assert_eq!(
            exit::<String>("hello-test", Ok(()), |_| 7),
            ExitCode::SUCCESS
        );
        let code = exit("hello-test", Err("bad flag".to_string()), |e| {
            if e.contains("flag") { 2 } else { 1 }
        });
        assert_eq!(code, ExitCode::from(2));
    }
}
