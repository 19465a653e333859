//! The errors a user sees, compiled by trybuild and compared with the committed `.stderr` files
//! (regenerate with `TRYBUILD=overwrite cargo test -p qimeng-macros --test ui`, then read them).
//!
//! trybuild's crate has no build script, so a declaration that is otherwise valid gets the
//! "no build script" error: that case is `no_build_script.rs`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
