/// The `/current_time` message template: `{name}` is replaced by the
/// caller's name. Pre-split and pre-escaped, so rendering is a concatenation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    template: String,
    // JSON-escaped text between the `{name}` placeholders.
    escaped_parts: Vec<String>,
}

/// The placeholder replaced by the caller's name.
pub const NAME_PLACEHOLDER: &str = "{name}";

impl Greeting {
    pub fn new(template: &str) -> Self {
        let escaped_parts = template.split(NAME_PLACEHOLDER).map(json_escape).collect();
        Self {
            template: template.to_string(),
            escaped_parts,
        }
    }

    pub fn template(&self) -> &str {
        &self.template
    }

    /// The message as a JSON string literal, quotes included. `name` must
    /// already satisfy the name rule (letters, digits, `-`, `_`), which
    /// needs no escaping.
    pub fn render_json(&self, name: &str) -> String {
        let mut out = String::with_capacity(self.template.len() + name.len() * 2 + 2);
        out.push('"');
        for (i, part) in self.escaped_parts.iter().enumerate() {
            if i > 0 {
                out.push_str(name);
            }
            out.push_str(part);
        }
        out.push('"');
        out
    }
}

fn json_escape(text: &str) -> String {
    let quoted = serde_json::Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, name: &str) -> String {
        let json = Greeting::new(template).render_json(name);
        serde_json::from_str::<String>(&json).expect("a JSON string")
    }

    #[test]
    fn the_name_fills_every_placeholder() {
        assert_eq!(render("Hello, {name}!", "Paul"), "Hello, Paul!");
        assert_eq!(render("{name} and {name}", "a"), "a and a");
        assert_eq!(render("no placeholder", "a"), "no placeholder");
    }

    #[test]
    fn the_template_text_is_escaped() {
        assert_eq!(render("\"quoted\"\n\\ {name} é", "x"), "\"quoted\"\n\\ x é");
    }
}
