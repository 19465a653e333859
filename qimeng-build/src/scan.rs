//! Finds `#[flash_attention(...)]` in a crate's sources, without expanding any macro.
//!
//! The scan walks token trees rather than syn's item tree, so the attribute is found on any
//! item at any depth (bodyless functions, which syn keeps as verbatim tokens, included).

use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use qimeng_spec::KernelSpec;
use qimeng_spec::syntax::{ATTRIBUTE, parse_request};

use crate::Error;

/// One use of the attribute in the sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The kernel it asks for.
    pub spec: KernelSpec,
    /// Where it was written.
    pub file: PathBuf,
    /// 1-based line of the attribute.
    pub line: usize,
}

/// Every `.rs` file under `dir`, sorted, so scans and the code emitted from them are
/// deterministic.
pub fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Scans one file's text. Attribute errors are reported with the file and line; the macro
/// reports the same errors at their spans, so a build that fails here fails the same way there.
pub fn scan_source(file: &Path, text: &str) -> Result<Vec<Found>, Error> {
    // A file that does not tokenize is rustc's to report, with better context than ours.
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    walk(file, tokens, &mut found)?;
    Ok(found)
}

fn walk(file: &Path, tokens: TokenStream, found: &mut Vec<Found>) -> Result<(), Error> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        let TokenTree::Group(group) = tree else {
            continue;
        };
        let is_outer_attr = group.delimiter() == Delimiter::Bracket
            && i > 0
            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '#');
        if is_outer_attr && let Some(args) = attribute_args(group.stream()) {
            let line = group.span().start().line;
            let spec = parse_request(args, group.span())
                .map(|r| r.kernel())
                .map_err(|errors| Error::Attribute {
                    file: file.to_path_buf(),
                    line,
                    message: errors
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                })?;
            found.push(Found {
                spec,
                file: file.to_path_buf(),
                line,
            });
        } else {
            walk(file, group.stream(), found)?;
        }
    }
    Ok(())
}

/// For `flash_attention(...)` or `path::to::flash_attention(...)`, the tokens inside the
/// parentheses.
fn attribute_args(attr: TokenStream) -> Option<TokenStream> {
    let trees: Vec<TokenTree> = attr.into_iter().collect();
    let (last, path) = trees.split_last()?;
    let TokenTree::Group(args) = last else {
        return None;
    };
    if args.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let name = path.iter().rev().find_map(|t| match t {
        TokenTree::Ident(i) => Some(i.to_string()),
        _ => None,
    })?;
    let path_ok = path.iter().all(|t| match t {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(p) => p.as_char() == ':',
        _ => false,
    });
    (path_ok && name == ATTRIBUTE).then(|| args.stream())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<Vec<Found>, Error> {
        scan_source(Path::new("src/lib.rs"), text)
    }

    #[test]
    fn finds_attributes_at_any_depth() {
        let text = r#"
            use qimeng_macros::flash_attention;
            #[flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
            pub fn a(q: &Tensor<bf16>) -> Result<()>;
            mod inner {
                /// doc
                #[qimeng_macros::flash_attention(gpu = "t4", dtype = "f16", head_dim = 64)]
                fn b();
            }
            #[derive(Debug)] struct S;
            #[doc = "flash_attention(gpu = 1)"] fn c() {}
        "#;
        let found = scan(text).unwrap();
        let keys: Vec<(String, usize)> = found.iter().map(|f| (f.spec.key(), f.line)).collect();
        assert_eq!(
            keys,
            vec![
                ("fwd-h100-bf16-d128-causal".to_string(), 3),
                ("fwd-t4-f16-d64-full".to_string(), 7)
            ]
        );
    }

    #[test]
    fn a_bad_attribute_names_file_and_line() {
        let err =
            scan("\n#[flash_attention(gpu = \"v100\", dtype = \"bf16\", head_dim = 64)]\nfn f();")
                .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("src/lib.rs:2"), "{msg}");
        assert!(msg.contains("unknown gpu \"v100\""), "{msg}");
    }

    #[test]
    fn untokenizable_files_are_left_to_rustc() {
        assert_eq!(scan("fn f() { \"unterminated").unwrap(), vec![]);
    }
}
