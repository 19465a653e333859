//! Diagnostics rendered the way rustc renders them: a headline with the rule, the file, line
//! and column, the source line and a caret under the offending text, then notes.

use std::fmt;

use crate::ast::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The program is rejected.
    Error,
    /// Worth a look; the program still passes.
    Warning,
}

/// One message about one place of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The rule broken, a short kebab-case name (`smem-budget`, `parse`).
    pub rule: &'static str,
    /// What is wrong, one sentence.
    pub message: String,
    /// Where; `None` for whole-program facts.
    pub span: Option<Span>,
    /// Text under the caret.
    pub label: String,
    /// `= note:` / `= help:` lines.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error of `rule` at `span`.
    pub fn error(rule: &'static str, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            rule,
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the text under the caret.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Adds a `= help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `= note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("note: {}", note.into()));
        self
    }

    /// Renders against the program's `source`, naming it `file`; ANSI colour when `color`.
    pub fn render(&self, source: &str, file: &str, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let (word, code) = match self.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let mut out = format!(
            "{}{} {}\n",
            paint(code, &format!("{word}[{}]", self.rule)),
            paint("1", ":"),
            paint("1", &self.message)
        );
        let blue = "1;34";
        match self.span {
            Some(span) if span.line > 0 => {
                let text = source
                    .lines()
                    .nth(span.line as usize - 1)
                    .unwrap_or("")
                    .trim_end();
                let num = span.line.to_string();
                let pad = " ".repeat(num.len());
                out += &format!(
                    "{pad}{} {file}:{}:{}\n",
                    paint(blue, "-->"),
                    span.line,
                    span.col
                );
                out += &format!("{pad} {}\n", paint(blue, "|"));
                out += &format!("{} {} {text}\n", paint(blue, &num), paint(blue, "|"));
                let col = span.col.max(1) as usize - 1;
                let width = text.chars().count().saturating_sub(col).max(1);
                let len = (span.len.max(1) as usize).min(width);
                let carets = format!("{}{}", "^".repeat(len), label_sep(&self.label));
                out += &format!(
                    "{pad} {} {}{}\n",
                    paint(blue, "|"),
                    " ".repeat(col),
                    paint(code, &carets)
                );
                for n in &self.notes {
                    out += &format!("{pad} {} {n}\n", paint(blue, "="));
                }
            }
            _ => {
                out += &format!(" {} {file}\n", paint(blue, "-->"));
                for n in &self.notes {
                    out += &format!("  {} {n}\n", paint(blue, "="));
                }
            }
        }
        out
    }
}

fn label_sep(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `line:col: error[rule]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.span {
            write!(f, "{}:{}: ", s.line, s.col)?;
        }
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{word}[{}]: {}", self.rule, self.message)
    }
}

/// Renders every diagnostic, separated by blank lines.
pub fn render_all(diags: &[Diagnostic], source: &str, file: &str, color: bool) -> String {
    diags
        .iter()
        .map(|d| d.render(source, file, color))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let src = "param BM = 128\nCopy Q tile (BM, D) into sQ\n";
        let d = Diagnostic::error(
            "parse",
            Some(Span {
                line: 2,
                col: 21,
                len: 4,
            }),
            "expected `to`, found `into`",
        )
        .label("expected `to`")
        .help("write `to sQ`");
        let r = d.render(src, "k.tl", false);
        assert_eq!(
            r,
            "error[parse]: expected `to`, found `into`\n --> k.tl:2:21\n  |\n2 | Copy Q tile (BM, D) into sQ\n  |                     ^^^^ expected `to`\n  = help: write `to sQ`\n"
        );
        assert!(d.render(src, "k.tl", true).contains("\x1b[1;31m"));
        assert_eq!(
            d.to_string(),
            "2:21: error[parse]: expected `to`, found `into`"
        );
    }

    #[test]
    fn a_span_past_the_source_renders_without_panicking() {
        let d = Diagnostic::error(
            "x",
            Some(Span {
                line: 99,
                col: 500,
                len: 0,
            }),
            "m",
        );
        assert!(d.render("", "f", false).contains("f:99:500"));
    }
}
