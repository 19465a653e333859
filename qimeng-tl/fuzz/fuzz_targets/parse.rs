//! Any bytes: the parser returns Ok or Err and never panics; what parses prints back to a
//! program that parses to the same tree; the checker never panics on what parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(program) = qimeng_tl::parse(text) {
        let printed = program.to_string();
        let again = qimeng_tl::parse(&printed).expect("printed program parses");
        assert_eq!(again, program, "round trip");
        let _ = qimeng_tl::check(&program, &qimeng_tl::Target::gpu(qimeng_spec::Gpu::T4));
    }
});
