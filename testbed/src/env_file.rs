//! Reads the `export KEY=value` lines of the test bed's `env` file.

use std::collections::BTreeMap;

/// Parses `export KEY=value` lines, expanding `$PATH` / `${PATH}` style
/// references from the current process environment (the file appends to the
/// caller's `PATH`). Comments and blank lines are skipped.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        let Some(assignment) = line.strip_prefix("export ") else {
            continue;
        };
        if let Some((key, value)) = assignment.split_once('=') {
            let value = expand(value.trim_matches('"'), &vars);
            vars.insert(key.trim().to_string(), value);
        }
    }
    vars
}

fn expand(value: &str, earlier: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => (braced, ""),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let resolved = earlier
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
            .unwrap_or_default();
        out.push_str(&resolved);
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exports_and_expands_references() {
        let vars = parse(
            "# comment\nexport A=/x\n\nexport KUBECONFIG=/t/kubeconfig\nexport P=/bin:$A:${A}/y\nnot an export\n",
        );
        assert_eq!(vars["KUBECONFIG"], "/t/kubeconfig");
        assert_eq!(vars["P"], "/bin:/x:/x/y");
        assert_eq!(vars.len(), 3);
    }

    #[test]
    fn appends_to_the_callers_path() {
        let caller_path = std::env::var("PATH").unwrap_or_default();
        let vars = parse("export PATH=/tools/bin:$PATH\n");
        assert_eq!(vars["PATH"], format!("/tools/bin:{caller_path}"));
    }
}
