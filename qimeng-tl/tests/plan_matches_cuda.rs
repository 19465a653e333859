//! The TL plan is the contract its CUDA follows: every curated entry's `param` line names the
//! same tile configuration as the traits struct in its `kernel.cu`, and both agree with the spec
//! in the directory's name. Catches an entry whose CUDA was retuned without its plan (or the
//! reverse). A new `fwd-*` entry is covered without touching this test. Entries on the Hopper
//! family (fa3_fwd.cuh) have no BM or warp traits: theirs follow from the consumer warpgroups
//! (64 rows each, plus one producer warpgroup), and the plan's roles must state the same
//! schedule (registers, ping-pong, overlap) as the traits.

use std::collections::BTreeMap;
use std::path::PathBuf;

use qimeng_spec::Spec;
use qimeng_tl::ast::{Compute, Engine, StmtKind};

/// `static constexpr <type> <name> = <value>;` and `using <name> = <type>;` of a kernel.cu.
fn traits(cuda: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in cuda.lines() {
        let code = line.split("/*").next().unwrap_or("").trim();
        let decl = code
            .strip_prefix("static constexpr ")
            .and_then(|d| d.split_once(' ').map(|(_, rest)| rest))
            .or_else(|| code.strip_prefix("using "));
        if let Some((name, value)) = decl.and_then(|d| d.split_once('=')) {
            out.insert(
                name.trim().to_string(),
                value.trim().trim_end_matches(';').trim().to_string(),
            );
        }
    }
    out
}

/// The traits structs of a kernel.cu in order, by name: `struct Name {` or `struct Name : Base {`
/// up to `};`; a derived struct starts from its base's traits.
fn structs(cuda: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut open: Option<(String, BTreeMap<String, String>, String)> = None;
    for line in cuda.lines() {
        if let Some((name, mut base, mut body)) = open.take() {
            if line.trim_start().starts_with("};") {
                base.extend(traits(&body));
                out.push((name, base));
            } else {
                body.push_str(line);
                body.push('\n');
                open = Some((name, base, body));
            }
            continue;
        }
        let Some(head) = line
            .strip_prefix("struct ")
            .and_then(|h| h.strip_suffix('{'))
        else {
            continue;
        };
        let (name, base) = match head.split_once(':') {
            Some((n, b)) => (n.trim(), Some(b.trim())),
            None => (head.trim(), None),
        };
        let inherited = base
            .and_then(|b| out.iter().find(|(n, _)| n == b))
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        open = Some((name.to_string(), inherited, String::new()));
    }
    out
}

#[test]
fn every_entry_plan_and_cuda_name_the_same_tiles() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kernels-cache");
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let Some(spec) = Spec::from_key(&name) else {
            continue;
        };
        let tl = std::fs::read_to_string(entry.path().join("kernel.tl")).unwrap();
        let cuda = std::fs::read_to_string(entry.path().join("kernel.cu")).unwrap();
        let program = qimeng_tl::parse(&tl).unwrap();
        // (TL schedule, kernel.cu traits struct) pairs: a Hopper entry's `Schedule` lines name
        // its structs in launch order; any other entry is one program over one struct.
        let pairs: Vec<(qimeng_tl::Program, BTreeMap<String, String>)> =
            if cuda.contains("qimeng/fa3_fwd.cuh") {
                fa3_pairs(&name, &program, &cuda, &mut problems)
            } else {
                vec![(program.clone(), traits(&cuda))]
            };
        for (program, t) in pairs {
            check_tiles(&name, &spec, &program, t, &cuda, &mut problems);
        }
        checked += 1;
    }
    assert!(checked >= 18, "checked only {checked} entries");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One schedule's plan against its traits: the tile parameters, the spec's head_dim, causality,
/// variants and dtype.
fn check_tiles(
    name: &str,
    spec: &Spec,
    program: &qimeng_tl::Program,
    mut t: BTreeMap<String, String>,
    cuda: &str,
    problems: &mut Vec<String>,
) {
    let params: BTreeMap<String, u64> = program
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Param(p) => Some(p.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    if cuda.contains("qimeng/fa3_fwd.cuh") {
        fa3_schedule(name, program, &mut t, problems);
    }
    let pairs = [
        ("D", "kHeadDim"),
        ("BM", "kBlockM"),
        ("BN", "kBlockN"),
        ("WARPS", "kWarps"),
        ("STAGES", "kStages"),
    ];
    for (param, field) in pairs {
        let plan = params.get(param).map(u64::to_string);
        let code = t.get(field).cloned();
        if plan.is_none() || plan != code {
            problems.push(format!(
                "{name}: TL {param} = {plan:?}, kernel.cu {field} = {code:?}"
            ));
        }
    }
    if params.get("D") != Some(&(spec.head_dim as u64)) {
        problems.push(format!(
            "{name}: TL D is not the spec's head_dim {}",
            spec.head_dim
        ));
    }
    if t.get("kCausal").map(String::as_str) != Some(if spec.causal { "true" } else { "false" }) {
        problems.push(format!("{name}: kernel.cu kCausal does not match the spec"));
    }
    // Variants: absent traits are off (fa2_fwd.cuh's defaults); a causal window states only
    // its left side.
    let w = spec.variants.window;
    let want_left = w.map(|w| w.left.to_string());
    let want_right = w.filter(|_| !spec.causal).map(|w| w.right.to_string());
    let want_cap = spec.variants.softcap.map(|c| format!("{c}.f"));
    for (field, want) in [
        ("kWindowLeft", want_left),
        ("kWindowRight", want_right),
        ("kSoftcap", want_cap),
        ("kAlibi", spec.variants.alibi.then(|| "true".to_string())),
        ("kVarlen", spec.variants.varlen.then(|| "true".to_string())),
    ] {
        if t.get(field) != want.as_ref() {
            problems.push(format!(
                "{name}: kernel.cu {field} = {:?}, the spec wants {want:?}",
                t.get(field)
            ));
        }
    }
    if t.get("Element").map(String::as_str) != Some(spec.dtype.cuda_type()) {
        problems.push(format!(
            "{name}: kernel.cu Element is {:?}, the spec's dtype is {}",
            t.get("Element"),
            spec.dtype.cuda_type()
        ));
    }
}

/// A Hopper entry's schedules paired with its traits structs. Without `Schedule` lines: the one
/// struct `Spec`, not persistent. With them: one schedule per struct, in the launcher's order
/// (`TinySpec` and `ShortSpec` for calls up to their `kMaxSeqlenK` keys, then `Spec`), each
/// `persistent` exactly when its struct's `kPersistent` is true, and each bounded one's
/// `when S_k <= N` is its bound.
fn fa3_pairs(
    name: &str,
    program: &qimeng_tl::Program,
    cuda: &str,
    problems: &mut Vec<String>,
) -> Vec<(qimeng_tl::Program, BTreeMap<String, String>)> {
    let structs = structs(cuda);
    let names: Vec<&str> = structs.iter().map(|(n, _)| n.as_str()).collect();
    let order: &[&str] = match names.as_slice() {
        ["Spec"] => &["Spec"],
        ["Spec", "ShortSpec"] => &["ShortSpec", "Spec"],
        ["Spec", "ShortSpec", "TinySpec"] => &["TinySpec", "ShortSpec", "Spec"],
        _ => &[],
    };
    let schedules = program.schedules();
    if order.is_empty() || schedules.len() != order.len() {
        problems.push(format!(
            "{name}: TL has {} schedule(s), kernel.cu the structs {names:?} (want Spec, Spec and ShortSpec, or those and TinySpec)",
            schedules.len()
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (k, ((head, schedule), &want)) in schedules.into_iter().zip(order).enumerate() {
        let t = structs.iter().find(|(n, _)| n == want).unwrap().1.clone();
        let persistent = t.get("kPersistent").map(String::as_str) == Some("true");
        let plan_persistent = head.as_ref().is_some_and(|h| h.persistent);
        if plan_persistent != persistent {
            problems.push(format!(
                "{name}: schedule {k} ({want}) is {} in the TL, kPersistent = {persistent} in kernel.cu",
                if plan_persistent { "persistent" } else { "a block per tile" }
            ));
        }
        let when = head
            .as_ref()
            .and_then(|h| h.when.as_ref())
            .map(|c| c.to_string());
        let bound = t.get("kMaxSeqlenK").map(|n| format!("S_k <= {n}"));
        let bounded = want != "Spec";
        let want_when = if bounded { bound } else { None };
        if when != want_when || (bounded && want_when.is_none()) {
            problems.push(format!(
                "{name}: schedule {k} ({want}) runs `when {when:?}` in the TL, kernel.cu's launcher bound is {want_when:?}"
            ));
        }
        out.push((schedule, t));
    }
    for short in &order[..order.len().saturating_sub(1)] {
        if !out.is_empty() && !cuda.contains(&format!("args->seqlen_k <= {short}::kMaxSeqlenK")) {
            problems.push(format!(
                "{name}: the launcher does not pick {short} by seqlen_k <= {short}::kMaxSeqlenK"
            ));
        }
    }
    out
}

/// A Hopper-family entry: derives its BM and WARPS traits from `kConsumerWGs` (Fa3Config) and
/// compares the plan's roles and GEMM engines with the schedule traits.
fn fa3_schedule(
    name: &str,
    program: &qimeng_tl::ast::Program,
    t: &mut BTreeMap<String, String>,
    problems: &mut Vec<String>,
) {
    let wgs: u64 = t
        .get("kConsumerWGs")
        .map_or(Some(2), |v| v.parse().ok())
        .unwrap_or(0);
    t.insert("kBlockM".into(), (64 * wgs).to_string());
    t.insert("kWarps".into(), (4 * (1 + wgs)).to_string());
    let consumer_regs = if wgs == 2 { 240 } else { 160 };
    let flag = |k: &str| t.get(k).map(String::as_str) == Some("true");
    let (pingpong, overlap) = (flag("kPingPong"), flag("kOverlap"));
    let mut roles = BTreeMap::new();
    let mut engines = Vec::new();
    qimeng_tl::check::walk(&program.stmts, &mut |s| match &s.kind {
        StmtKind::Role(r) => {
            roles.insert(
                r.name.clone(),
                (r.warps, r.registers, r.pingpong, r.overlap),
            );
        }
        StmtKind::Compute(Compute::Gemm { engine, .. }) => engines.push(*engine),
        _ => {}
    });
    let want = [
        ("producer", (4, Some(24), false, false)),
        (
            "consumer",
            (4 * wgs, Some(consumer_regs), pingpong, overlap),
        ),
    ];
    for (role, w) in want {
        if roles.get(role) != Some(&w) {
            problems.push(format!(
                "{name}: TL role {role} is {:?}, kernel.cu's traits make (warps, registers, pingpong, overlap) = {w:?}",
                roles.get(role)
            ));
        }
    }
    if roles.len() != 2 {
        problems.push(format!(
            "{name}: TL roles {:?}, the kernel has a producer and a consumer",
            roles.keys()
        ));
    }
    if engines.len() != 2 || engines.iter().any(|e| *e != Engine::Wgmma) {
        problems.push(format!(
            "{name}: the kernel's GEMMs are wgmma, the TL says {engines:?}"
        ));
    }
}

/// The decode plans against their kernel.cu and the decode template: `D`, `BN`, `STAGES` are
/// the entry's traits, `WARPS` decode_fwd.cuh's `kWarps` and `BM` decode_abi.h's
/// `QIMENG_DECODE_MAX_ROWS` (a block holds every query row of its KV head), and the plan's
/// tensor-core dtype is the traits' `MmaElement` (f16 where sm_75 converts bf16). An entry on
/// the TMA path (`kTma = true`) also runs decode_fwd.cuh's `WideSpec` on large grids: its plan
/// names that tile (`BN = <WideSpec::kBlockN>, STAGES = <QIMENG_DECODE_WIDE_STAGES>`) on the line
/// that names `WideSpec`.
#[test]
fn every_decode_plan_and_cuda_name_the_same_tiles() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kernels-cache");
    let include = dir.join("include/qimeng");
    let fwd = std::fs::read_to_string(include.join("decode_fwd.cuh")).unwrap();
    let abi = std::fs::read_to_string(include.join("decode_abi.h")).unwrap();
    let warps = fwd
        .lines()
        .find_map(|l| l.trim().strip_prefix("constexpr int kWarps = "))
        .map(|v| v.trim_end_matches(';').to_string());
    let max_rows = abi
        .lines()
        .find_map(|l| l.trim().strip_prefix("#define QIMENG_DECODE_MAX_ROWS "))
        .map(|v| v.trim().to_string());
    let wide = structs(&fwd)
        .into_iter()
        .find(|(n, _)| n == "WideSpec")
        .map(|(_, t)| t)
        .expect("decode_fwd.cuh declares WideSpec");
    // kStages names a macro whose #define holds the default.
    let wide_stages = wide.get("kStages").and_then(|m| {
        fwd.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("#define {m} ")))
            .map(|v| v.trim().to_string())
    });
    let wide_tile = format!(
        "BN = {}, STAGES = {}",
        wide.get("kBlockN").expect("WideSpec::kBlockN"),
        wide_stages.expect("the wide stages' #define")
    );
    let mut checked = 0;
    let mut wide_checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let Some(spec) = qimeng_spec::DecodeSpec::from_key(&name) else {
            continue;
        };
        let tl = std::fs::read_to_string(entry.path().join("kernel.tl")).unwrap();
        let cuda = std::fs::read_to_string(entry.path().join("kernel.cu")).unwrap();
        let program = qimeng_tl::parse(&tl).unwrap();
        let mut params = BTreeMap::new();
        let mut smem_dtype = None;
        qimeng_tl::check::walk(&program.stmts, &mut |s| match &s.kind {
            StmtKind::Param(p) => params.extend(p.iter().map(|(n, v)| (n.clone(), v.to_string()))),
            StmtKind::Allocate(a) if a.names.iter().any(|n| n == "sK") => {
                smem_dtype = Some(a.dtype.cuda_type().to_string());
            }
            _ => {}
        });
        let t = traits(&cuda);
        for (param, code) in [
            ("D", t.get("kHeadDim").cloned()),
            ("BN", t.get("kBlockN").cloned()),
            ("STAGES", t.get("kStages").cloned()),
            ("WARPS", warps.clone()),
            ("BM", max_rows.clone()),
        ] {
            if !params.contains_key(param) || params.get(param) != code.as_ref() {
                problems.push(format!(
                    "{name}: TL {param} = {:?}, CUDA {code:?}",
                    params.get(param)
                ));
            }
        }
        if smem_dtype.as_ref() != t.get("MmaElement") {
            problems.push(format!(
                "{name}: TL sK is {smem_dtype:?}, kernel.cu MmaElement {:?}",
                t.get("MmaElement")
            ));
        }
        if t.get("Element").map(String::as_str) != Some(spec.dtype.cuda_type())
            || params.get("D") != Some(&spec.head_dim.to_string())
        {
            problems.push(format!("{name}: dtype or head_dim unlike the key"));
        }
        if t.get("kTma").map(String::as_str) == Some("true") {
            // The TL states the wide tile over two comment lines: the one naming WideSpec and
            // the one before it.
            let stated = tl
                .lines()
                .zip(tl.lines().skip(1))
                .find(|(_, l)| l.contains("WideSpec"))
                .map(|(a, b)| format!("{a} {b}"));
            if !stated.is_some_and(|s| s.contains(&wide_tile)) {
                problems.push(format!(
                    "{name}: the TL does not state the wide tile ({wide_tile})"
                ));
            }
            wide_checked += 1;
        }
        checked += 1;
    }
    assert!(checked >= 12, "checked only {checked} decode entries");
    assert!(
        wide_checked >= 4,
        "checked the wide tile of only {wide_checked} entries"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
