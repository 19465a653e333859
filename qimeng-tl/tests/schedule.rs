//! `Schedule` lines: a plan of several schedules (a Hopper entry whose launcher picks its kernel
//! per call from the number of keys) parses, prints back, checks and runs schedule by schedule;
//! misplaced or ambiguous `Schedule` lines are rejected with rule `schedule`; the interpreter
//! runs the schedule the launcher would pick for each shape.

use qimeng_reference::Problem;
use qimeng_spec::Spec;
use qimeng_tl::ast::StmtKind;
use qimeng_tl::interp::interpret;

const KEY: &str = "fwd-h100-bf16-d64-causal";

fn entry() -> (String, Spec) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../kernels-cache/fwd-h100-bf16-d64-causal/kernel.tl"
    );
    (
        std::fs::read_to_string(path).unwrap(),
        Spec::from_key(KEY).unwrap(),
    )
}

fn schedule_errors(src: &str, spec: &Spec) -> Vec<String> {
    let program = qimeng_tl::parse(src).unwrap();
    qimeng_tl::check(&program, &qimeng_tl::Target::from(*spec))
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == "schedule")
        .map(|d| d.message)
        .collect()
}

#[test]
fn a_two_schedule_plan_round_trips_and_verifies_each_schedule() {
    let (src, spec) = entry();
    let program = qimeng_tl::parse(&src).unwrap();
    assert_eq!(qimeng_tl::parse(&program.to_string()).unwrap(), program);
    let schedules = program.schedules();
    assert_eq!(schedules.len(), 2);
    let short = schedules[0].0.as_ref().unwrap();
    assert!(short.persistent);
    assert_eq!(short.when.as_ref().unwrap().to_string(), "S_k <= 4096");
    assert!(schedules[1].0.as_ref().is_some_and(|h| h.when.is_none()));
    let verified = qimeng_tl::verify(&src, &spec).unwrap();
    // every schedule ran on every problem
    let problems = qimeng_tl::spec_problems(&spec).len();
    assert_eq!(verified.runs.len(), 2 * problems);
}

#[test]
fn misplaced_schedule_lines_are_rejected() {
    let (src, spec) = entry();
    assert!(schedule_errors(&src, &spec).is_empty());
    // the last schedule with a condition: shapes past it have no kernel
    let last = src.replace(
        "Schedule block per tile",
        "Schedule block per tile when S_k > 4096",
    );
    assert!(
        schedule_errors(&last, &spec)
            .iter()
            .any(|m| m.contains("no schedule runs the other shapes")),
        "{:?}",
        schedule_errors(&last, &spec)
    );
    // an earlier schedule without one hides the later
    let first = src.replace(
        "Schedule persistent when S_k <= 4096",
        "Schedule persistent",
    );
    assert!(
        schedule_errors(&first, &spec)
            .iter()
            .any(|m| m.contains("only the last `Schedule` may omit `when`"))
    );
    // a condition the launcher cannot evaluate from the shape
    let cond = src.replace("when S_k <= 4096", "when i <= 2");
    assert!(
        schedule_errors(&cond, &spec)
            .iter()
            .any(|m| m.contains("over `S_q`, `S_k` and integers only"))
    );
    // a statement before the first schedule
    let stray = format!("Sync\n{src}");
    assert!(
        schedule_errors(&stray, &spec)
            .iter()
            .any(|m| m.contains("belongs to no schedule"))
    );
    // nested in a block
    let nested = src.replacen(
        "  Sync wait q_full\n",
        "  Sync wait q_full\n  Schedule block per tile\n",
        1,
    );
    assert!(
        schedule_errors(&nested, &spec)
            .iter()
            .any(|m| m.contains("only at the top level"))
    );
    assert!(qimeng_tl::verify(&nested, &spec).is_err());
}

#[test]
fn a_wrong_long_schedule_is_caught_though_the_problems_are_short() {
    // The interpreter's problems have few keys (all under the bound), yet the long schedule runs
    // on them too: a mistake in it is not hidden behind the launcher's choice.
    let (src, spec) = entry();
    let long = src.find("Schedule block per tile").unwrap();
    let (head, tail) = src.split_at(long);
    let broken = format!(
        "{head}{}",
        tail.replace("    Compute rowsum S -> l (accumulate)\n", "")
    );
    assert!(qimeng_tl::verify(&broken, &spec).is_err());
}

#[test]
fn the_interpreter_runs_the_schedule_the_launcher_picks() {
    // Schedule 1 is whole; schedule 2 lacks its `param` line, so running it faults: which one ran
    // shows in the result.
    let (src, spec) = entry();
    let program = qimeng_tl::parse(&src).unwrap();
    let mut stmts = Vec::new();
    let mut seen = 0;
    for s in program.stmts {
        if matches!(s.kind, StmtKind::Schedule(_)) {
            seen += 1;
        }
        if seen == 2 && matches!(s.kind, StmtKind::Param(_)) {
            continue;
        }
        stmts.push(s);
    }
    let program = qimeng_tl::Program { stmts };
    let run = |sk: usize| {
        let p = Problem::for_spec(&spec, 1, 5, sk, 1, 1);
        let n = p.q_len();
        let kv = p.kv_len();
        interpret(&program, &p, &vec![0.5; n], &vec![0.25; kv], &vec![1.0; kv])
    };
    assert!(run(4096).is_ok());
    let err = run(4097).unwrap_err();
    assert!(err.message.contains("BM"), "{}", err.message);
}
