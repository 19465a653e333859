//! The first gate: fenced code blocks out of a model's answer.

/// One fenced block: its info string (` ```cuda kernel.cu` -> `cuda kernel.cu`) and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Everything after the opening fence, trimmed.
    pub info: String,
    /// The lines between the fences, newline-terminated.
    pub body: String,
}

impl Block {
    /// Whether the info string has `word` as one of its words (case-insensitive).
    pub fn has(&self, word: &str) -> bool {
        self.info
            .split(|c: char| c.is_whitespace() || c == ',')
            .any(|w| w.eq_ignore_ascii_case(word))
    }
}

/// Every fenced block (``` or ~~~, three or more) in `text`, in order. An unclosed block is
/// dropped: the answer was cut short.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, Block)> = None; // (fence char, fence, block)
    for line in text.lines() {
        let t = line.trim_start();
        match &mut open {
            None => {
                for fc in ["`", "~"] {
                    let n = t.chars().take_while(|c| c.to_string() == fc).count();
                    if n >= 3 {
                        let fence = fc.repeat(n);
                        open = Some((
                            fc.to_string(),
                            fence.clone(),
                            Block {
                                info: t[n..].trim().to_string(),
                                body: String::new(),
                            },
                        ));
                        break;
                    }
                }
            }
            Some((fc, fence, block)) => {
                let tt = t.trim_end();
                if tt.starts_with(fence.as_str()) && tt.chars().all(|c| c.to_string() == *fc) {
                    if let Some((_, _, b)) = open.take() {
                        out.push(b);
                    }
                } else {
                    block.body.push_str(line);
                    block.body.push('\n');
                }
            }
        }
    }
    out
}

/// The one block whose info string names `lang` (e.g. `tl`). Errors say what the answer held
/// instead, in words the model can act on.
pub fn one(text: &str, lang: &str) -> Result<String, String> {
    let all = blocks(text);
    let tagged: Vec<&Block> = all.iter().filter(|b| b.has(lang)).collect();
    match tagged.as_slice() {
        [b] if b.body.trim().is_empty() => Err(format!("the ```{lang} block is empty")),
        [b] => Ok(b.body.clone()),
        [] if all.is_empty() => Err(format!(
            "the answer has no fenced code block: put the program in exactly one block opened \
             with ```{lang} and closed with ```{}",
            unclosed_hint(text)
        )),
        [] => Err(format!(
            "the answer has {} code block(s) but none is tagged ```{lang} (found: {}): tag the \
             program's block ```{lang}",
            all.len(),
            infos(&all)
        )),
        more => Err(format!(
            "the answer has {} ```{lang} blocks; give exactly one",
            more.len()
        )),
    }
}

/// The block whose info string names the file `name` (e.g. ` ```cuda kernel.cu`).
pub fn file(text: &str, name: &str) -> Result<String, String> {
    let all = blocks(text);
    let named: Vec<&Block> = all.iter().filter(|b| b.has(name)).collect();
    match named.as_slice() {
        [b] if b.body.trim().is_empty() => Err(format!("the block for {name} is empty")),
        [b] => Ok(b.body.clone()),
        [] => Err(format!(
            "the answer has no code block for {name}: open it with a fence naming the file, \
             e.g. ```{} {name}{}{}",
            if name.ends_with(".h") { "c" } else { "cuda" },
            if all.is_empty() {
                String::new()
            } else {
                format!(" (blocks found: {})", infos(&all))
            },
            unclosed_hint(text)
        )),
        more => Err(format!(
            "the answer has {} blocks for {name}; give exactly one",
            more.len()
        )),
    }
}

fn infos(all: &[Block]) -> String {
    all.iter()
        .map(|b| format!("```{}", b.info))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unclosed_hint(text: &str) -> &'static str {
    let fences = text
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    if fences % 2 == 1 {
        " (a fence was opened and never closed: was the answer cut short?)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_by_tag_and_file() {
        let a = "Plan:\n```tl\nSync\n```\nand\n```cuda kernel.cu\nint x;\n```\n~~~c kernel.h\n// h\n~~~\n";
        assert_eq!(one(a, "tl").unwrap(), "Sync\n");
        assert_eq!(file(a, "kernel.cu").unwrap(), "int x;\n");
        assert_eq!(file(a, "kernel.h").unwrap(), "// h\n");
    }

    #[test]
    fn missing_and_ambiguous_blocks_are_explained() {
        let e = one("just prose", "tl").unwrap_err();
        assert!(e.contains("no fenced code block"), "{e}");
        let e = one("```python\nx\n```\n", "tl").unwrap_err();
        assert!(e.contains("none is tagged ```tl"), "{e}");
        let e = one("```tl\na\n```\n```tl\nb\n```\n", "tl").unwrap_err();
        assert!(e.contains("2 ```tl blocks"), "{e}");
        let e = one("```tl\nSync\n", "tl").unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        let e = file("```cuda\nx\n```\n", "kernel.cu").unwrap_err();
        assert!(e.contains("```cuda kernel.cu"), "{e}");
    }
}
