//! The programs of docs/TL.md are real: each ```tl block parses, and a block that names its
//! spec (`# spec: KEY` on its first line) checks and interprets against it.

use qimeng_spec::Spec;

#[test]
fn every_program_in_the_reference_passes() {
    let doc = include_str!("../../docs/TL.md");
    let mut verified = 0;
    let mut rest = doc;
    while let Some(start) = rest.find("```tl\n") {
        let body = &rest[start + 6..];
        let end = body.find("```").expect("closed block");
        let src = &body[..end];
        rest = &body[end + 3..];
        let program = qimeng_tl::parse(src).unwrap_or_else(|e| panic!("{e}\n{src}"));
        assert_eq!(qimeng_tl::parse(&program.to_string()).unwrap(), program);
        if let Some(key) = src.lines().next().and_then(|l| l.strip_prefix("# spec: ")) {
            let verdict = match qimeng_spec::DecodeSpec::from_key(key.trim()) {
                Some(d) => qimeng_tl::verify_decode(src, &d).map(drop),
                None => {
                    let spec = Spec::from_key(key.trim()).expect("a kernel key");
                    qimeng_tl::verify(src, &spec).map(drop)
                }
            };
            if let Err(e) = verdict {
                panic!(
                    "{key}:\n{}",
                    qimeng_tl::diag::render_all(&e.diagnostics(), src, "docs/TL.md", false)
                );
            }
            verified += 1;
        }
    }
    assert_eq!(verified, 3, "the Ampere, the Hopper and the decode program");
}

#[test]
fn the_core_reference_fits_a_prompt() {
    // About 4 characters a token: the part before the two programs stays under ~4k tokens.
    let doc = include_str!("../../docs/TL.md");
    let core = &doc[..doc.find("## Program 1").expect("programs section")];
    assert!(
        core.len() < 16_000,
        "core reference is {} bytes",
        core.len()
    );
}
