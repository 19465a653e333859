//! The `alibi` rule: each way of getting the ALiBi step wrong is rejected by the checker with its
//! own message, and the forms that compute the same function are accepted and interpreted.

use qimeng_spec::Spec;

const PLAN: &str = include_str!("../../kernels-cache/fwd-h100-bf16-d128-causal-alibi/kernel.tl");
const BIAS: &str =
    "  Compute bias S by -slope * abs(query + S_k - S_q - key)  # ALiBi, bottom-right\n";

fn spec(key: &str) -> Spec {
    Spec::from_key(key).unwrap()
}

/// The plan with its three scale/bias lines replaced by `steps`.
fn with_steps(steps: &str) -> String {
    let start = PLAN.find("  Compute scale S by softmax_scale\n").unwrap();
    let end = PLAN.find("  Compute mask S where key >= S_k").unwrap();
    format!("{}{steps}{}", &PLAN[..start], &PLAN[end..])
}

/// The checker's messages for `src` against `key` (empty when it passes the checker).
fn rejection(src: &str, key: &str) -> String {
    let program = qimeng_tl::parse(src).unwrap();
    let report = qimeng_tl::check(&program, &qimeng_tl::Target::from(spec(key)));
    report
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_curated_plan_passes_and_equivalent_forms_too() {
    let key = "fwd-h100-bf16-d128-causal-alibi";
    assert!(PLAN.contains(BIAS));
    qimeng_tl::verify(PLAN, &spec(key)).unwrap();
    // The distance written the other way round, and the bias in the log2 domain.
    for steps in [
        "  Compute scale S by softmax_scale\n  Compute bias S by -slope * abs(key - query - S_k + S_q)\n  Compute scale S by log2(e)\n",
        "  Compute scale S by softmax_scale * log2(e)\n  Compute bias S by -slope * log2(e) * abs(query + S_k - S_q - key)\n",
    ] {
        let src = with_steps(steps);
        if let Err(e) = qimeng_tl::verify(&src, &spec(key)) {
            panic!("{steps}: {e}");
        }
    }
}

#[test]
fn each_mistake_has_its_message() {
    let key = "fwd-h100-bf16-d128-causal-alibi";
    let cases = [
        // Missing altogether.
        (
            "  Compute scale S by softmax_scale * log2(e)\n",
            "the spec has ALiBi, but `S` reaches the softmax without its bias",
        ),
        // Top-left aligned.
        (
            "  Compute scale S by softmax_scale\n  Compute bias S by -slope * abs(query - key)\n  Compute scale S by log2(e)\n",
            "aligned top-left",
        ),
        // Natural-units bias on log2-domain scores.
        (
            "  Compute scale S by softmax_scale * log2(e)\n  Compute bias S by -slope * abs(query + S_k - S_q - key)\n",
            "in the log2 domain, but its bias is in natural units",
        ),
        // Before any scale.
        (
            "  Compute bias S by -slope * abs(query + S_k - S_q - key)\n  Compute scale S by softmax_scale * log2(e)\n",
            "gets its bias before it is scaled by softmax_scale",
        ),
        // Not a distance at all.
        (
            "  Compute scale S by softmax_scale\n  Compute bias S by -slope * (query - key)\n  Compute scale S by log2(e)\n",
            "bias is not -slope * |query + S_k - S_q - key|",
        ),
    ];
    for (steps, want) in cases {
        let got = rejection(&with_steps(steps), key);
        assert!(got.contains(want), "{steps}: {got}");
        assert!(got.contains("error[alibi]"), "{steps}: {got}");
    }
    // After a mask.
    let after = PLAN.replace(BIAS, "").replace(
        "  Compute mask S where key > query + S_k - S_q (diagonal blocks only)\n",
        &format!("  Compute mask S where key > query + S_k - S_q (diagonal blocks only)\n{BIAS}"),
    );
    let got = rejection(&after, key);
    assert!(got.contains("gets its bias after it was masked"), "{got}");
}

#[test]
fn a_bias_the_spec_lacks_is_rejected() {
    let got = rejection(PLAN, "fwd-h100-bf16-d128-causal");
    assert!(
        got.contains("the spec has no ALiBi, but the scores get a bias"),
        "{got}"
    );
}
