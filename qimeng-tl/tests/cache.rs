//! Every `kernel.tl` of the curated cache parses, prints back to itself, passes the checker for
//! the spec its directory names, and computes attention when interpreted. A new `fwd-*` entry is
//! covered without touching this test.

use std::path::PathBuf;

use qimeng_spec::Spec;

fn entries() -> Vec<(Spec, PathBuf)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kernels-cache");
    let mut v: Vec<(Spec, PathBuf)> = std::fs::read_dir(&dir)
        .expect("kernels-cache is next to qimeng-tl")
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            name.starts_with("fwd-").then(|| {
                let spec = Spec::from_key(&name)
                    .unwrap_or_else(|| panic!("cache directory `{name}` is not a kernel key"));
                (spec, e.path().join("kernel.tl"))
            })
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_cached_kernel_tl_checks_and_interprets() {
    let entries = entries();
    assert!(entries.len() >= 18, "found only {} entries", entries.len());
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .iter()
            .map(|(spec, path)| {
                s.spawn(move || {
                    let src = std::fs::read_to_string(path).unwrap();
                    let key = spec.key();
                    match qimeng_tl::verify(&src, spec) {
                        Ok(v) => {
                            assert_eq!(
                                v.program.to_string(),
                                src,
                                "{key}: the printer changed the file"
                            );
                            for r in &v.runs {
                                println!("{key}: {}", r.summary());
                            }
                            None
                        }
                        Err(e) => Some(format!(
                            "{key}:\n{}",
                            qimeng_tl::diag::render_all(
                                &e.diagnostics(),
                                &src,
                                &path.display().to_string(),
                                false
                            )
                        )),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `dec-*` entry's kernel.tl: parses, prints back to itself, passes the decode checker
/// and, interpreted (splits, then the combine), matches the decode reference on ragged paged
/// caches.
#[test]
fn every_cached_decode_tl_checks_and_interprets() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kernels-cache");
    let mut entries: Vec<(qimeng_spec::DecodeSpec, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let spec = qimeng_spec::DecodeSpec::from_key(&name)?;
            Some((spec, e.path().join("kernel.tl")))
        })
        .collect();
    entries.sort();
    assert!(entries.len() >= 12, "found only {} entries", entries.len());
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .iter()
            .map(|(spec, path)| {
                s.spawn(move || {
                    let src = std::fs::read_to_string(path).unwrap();
                    let key = spec.key();
                    match qimeng_tl::verify_decode(&src, spec) {
                        Ok(v) => {
                            assert_eq!(v.program.to_string(), src, "{key}: printer changed it");
                            for r in &v.runs {
                                assert!(r.lse_error.is_some(), "{key}: the plan writes LSE");
                                println!("{key}: {}", r.summary());
                            }
                            None
                        }
                        Err(e) => Some(format!(
                            "{key}:\n{}",
                            qimeng_tl::diag::render_all(
                                &e.diagnostics(),
                                &src,
                                &path.display().to_string(),
                                false
                            )
                        )),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
