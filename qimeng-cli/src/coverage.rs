//! `qimeng coverage`: the coverage table of the kernel cache, generated from the entries
//! themselves — spec by spec, its origin, whether its TL plan passes the checker and the
//! interpreter now, its latest GPU verification record of the current content (card, mode,
//! date, max error) and its speed where a benchmark results file measured it.
//!
//! Speed comes only from the benchmark results files (`bench/results/<gpu>-...-<date>.md`, the
//! tables `bench/bench.py` writes): a file's last table with the columns `d`, `mask`, `ours`
//! and `ours/FA2`, for the GPU its name starts with and the dtype its notes name
//! ("bf16 forward", or bench.py's header line "bf16, interleaved"). A measurement is attributed
//! to an entry only if it is not older than the entry's current content (the date in the
//! file's name against the entry's first GPU record of that content, or its seal date), and only
//! the newest such file counts: a kernel that was rewritten never shows its predecessor's speed.
//! Nothing else is claimed; a spec no such table measured shows "—".

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use qimeng_build::cache::{Cache, Entry, Verification};
use qimeng_spec::{DType, Gpu, Spec};

/// Options of `qimeng coverage`.
#[derive(Args)]
pub struct CoverageArgs {
    /// Write the table to this file instead of stdout (e.g. docs/COVERAGE.md).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Compare with this file instead of writing; fail if it differs (a stale table).
    #[arg(long, conflicts_with = "out")]
    check: Option<PathBuf>,
    /// Where the benchmark results files are.
    #[arg(long, default_value = "bench/results")]
    bench_results: PathBuf,
    /// Skip the TL interpreter (the checker still runs): faster, says "checked" only.
    #[arg(long)]
    no_interpret: bool,
}

/// The command that regenerates docs/COVERAGE.md, printed at its top.
const COMMAND: &str = "cargo run -q -p qimeng-cli -- coverage --out docs/COVERAGE.md";

/// Runs `qimeng coverage`.
pub fn run(args: &CoverageArgs, cache: &Cache) -> Result<(), String> {
    let speeds = read_speeds(&args.bench_results)?;
    let specs = cache.keys().map_err(|e| e.to_string())?;
    // The interpreter dominates (about a second per entry): spread the entries over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = specs.len().div_ceil(threads).max(1);
    let rows: Vec<Row> = std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                let speeds = &speeds;
                s.spawn(move || {
                    part.iter()
                        .filter_map(|&spec| match cache.lookup(spec) {
                            Ok(Some(entry)) => {
                                Some(Row::of(&entry, spec, speeds, !args.no_interpret))
                            }
                            Ok(None) => None,
                            Err(e) => Some(Row::damaged(spec, &e.to_string())),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a coverage thread panicked"))
            .collect()
    });
    let mut text = render(&rows, !args.no_interpret);
    text.push_str(&render_decode(cache)?);
    match (&args.out, &args.check) {
        (Some(path), _) => {
            std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            say!("wrote {} ({} entries)", path.display(), rows.len());
        }
        (None, Some(path)) => {
            let old =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if old != text {
                return Err(format!(
                    "{} is stale: regenerate it with `{COMMAND}`",
                    path.display()
                ));
            }
            say!("{} is up to date ({} entries)", path.display(), rows.len());
        }
        (None, None) => say!("{}", text.trim_end_matches('\n')),
    }
    Ok(())
}

/// One spec's line of the table.
struct Row {
    spec: Spec,
    origin: String,
    /// `Ok(what passed)` or `Err(why not)`.
    tl: Result<String, String>,
    /// The newest passing-or-failing record of the current content.
    verified: Option<Verification>,
    /// Records of earlier content only.
    stale: bool,
    speed: Option<String>,
}

impl Row {
    fn of(entry: &Entry, spec: Spec, speeds: &[Speed], interpret: bool) -> Row {
        let content = entry.content_hash();
        let verified = entry
            .meta
            .verification
            .iter()
            .rev()
            .find(|v| v.content_hash == content)
            .cloned();
        let stale = verified.is_none() && !entry.meta.verification.is_empty();
        Row {
            spec,
            origin: entry.meta.provenance.origin.clone(),
            tl: tl_status(entry, spec, interpret),
            verified,
            stale,
            speed: content_date(entry).and_then(|date| speed_of(spec, &date, speeds)),
        }
    }

    fn damaged(spec: Spec, why: &str) -> Row {
        Row {
            spec,
            origin: "DAMAGED".into(),
            tl: Err(why.lines().next().unwrap_or("").to_string()),
            verified: None,
            stale: false,
            speed: None,
        }
    }

    fn verified_passed(&self) -> bool {
        self.verified.as_ref().is_some_and(|v| v.passed)
    }
}

/// Checks (and interprets) the entry's kernel.tl against its spec, as the build would.
fn tl_status(entry: &Entry, spec: Spec, interpret: bool) -> Result<String, String> {
    let path = entry.dir.join("kernel.tl");
    let src = std::fs::read_to_string(&path).map_err(|e| format!("unreadable: {e}"))?;
    let first = |diags: Vec<qimeng_tl::Diagnostic>| {
        diags
            .first()
            .map_or("rejected".to_string(), |d| d.message.clone())
    };
    if interpret {
        let v = qimeng_tl::verify(&src, &spec).map_err(|e| first(e.diagnostics()))?;
        Ok(format!("checked, interpreted ({} problems)", v.runs.len()))
    } else {
        let program = qimeng_tl::parse(&src).map_err(|e| first(vec![e.diagnostic()]))?;
        let report = qimeng_tl::check(&program, &qimeng_tl::Target::from(spec));
        if report.is_ok() {
            Ok("checked".into())
        } else {
            Err(first(report.diagnostics))
        }
    }
}

/// The day the entry's current content existed by (`YYYY-MM-DD`): its first GPU record of that
/// content, or its seal date if later; `None` while no record is of the current content (a
/// re-seal after a shared header changed keeps the old seal date, which would date the new
/// kernel too early and credit it with its predecessor's speed).
fn content_date(entry: &Entry) -> Option<String> {
    let content = entry.content_hash();
    let first_record = entry
        .meta
        .verification
        .iter()
        .filter(|v| v.content_hash == content)
        .map(|v| v.date.as_str())
        .min()?;
    let sealed = entry.meta.provenance.date.as_str();
    Some(first_record.max(sealed).to_string())
}

/// Speed of one (gpu, dtype, d, mask) cell of a results table.
struct Speed {
    gpu: Gpu,
    dtype: DType,
    head_dim: u32,
    causal: bool,
    tflops: f64,
    vs_fa2: f64,
    /// The date in the results file's name (`YYYY-MM-DD`).
    date: String,
    source: String,
}

/// The `YYYY-MM-DD` a results file's name ends with, if it does.
fn file_date(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".md")?;
    let date = stem.get(stem.len().checked_sub(10)?..)?;
    is_iso_date(date).then_some(date)
}

/// Whether `date` is `YYYY-MM-DD` (the only form dates are compared in: as text).
pub(crate) fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// The dtype a results file measured, from bench.py's notes; `None` if it names none.
fn file_dtype(text: &str) -> Option<DType> {
    [DType::Bf16, DType::F16].into_iter().find(|dt| {
        let name = dt.name();
        text.contains(&format!("{name} forward"))
            || text.contains(&format!(", {name}, interleaved"))
    })
}

/// Every measured cell of every results file in `dir` (none if it does not exist).
fn read_speeds(dir: &Path) -> Result<Vec<Speed>, String> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(gpu) = name.split('-').next().and_then(Gpu::from_name) else {
            continue;
        };
        // Undated, a measurement cannot be placed against the entry's content: not claimed.
        let Some(date) = file_date(name) else {
            continue;
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(dtype) = file_dtype(&text) else {
            continue;
        };
        let source = format!("{}/{name}", dir.display());
        parse_table(&text, |d, causal, tflops, vs_fa2| {
            out.push(Speed {
                gpu,
                dtype,
                head_dim: d,
                causal,
                tflops,
                vs_fa2,
                date: date.to_string(),
                source: source.clone(),
            })
        });
    }
    Ok(out)
}

/// Calls `cell(d, causal, ours TFLOP/s, ours/FA2)` for each row of the last table of `text`
/// that has the columns `d`, `mask`, `ours` and `ours/FA2 ...`: results files grow by
/// appending, so the last table is the newest measurement.
fn parse_table(text: &str, mut cell: impl FnMut(u32, bool, f64, f64)) {
    let split = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().enumerate().rev().find_map(|(i, l)| {
        if !l.trim_start().starts_with('|') {
            return None;
        }
        let h = split(l);
        let find = |p: &dyn Fn(&str) -> bool| h.iter().position(|c| p(c));
        match (
            find(&|c| c == "d"),
            find(&|c| c == "mask"),
            find(&|c| c == "ours"),
            find(&|c| c.starts_with("ours/FA2")),
        ) {
            (Some(d), Some(mask), Some(ours), Some(ratio)) => Some((i, (d, mask, ours, ratio))),
            _ => None,
        }
    });
    let Some((start, cols)) = header else { return };
    for l in &lines[start + 1..] {
        if !l.trim_start().starts_with('|') {
            break;
        }
        let c = split(l);
        let get = |i: usize| c.get(i).map(String::as_str).unwrap_or("");
        let number = |s: &str| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        };
        let (Ok(d), Some(tflops), Some(ratio)) = (
            get(cols.0).parse::<u32>(),
            number(get(cols.2)),
            number(get(cols.3)),
        ) else {
            continue; /* the |---| line */
        };
        match get(cols.1) {
            "causal" => cell(d, true, tflops, ratio),
            "full" => cell(d, false, tflops, ratio),
            _ => {}
        }
    }
}

/// "min-max TFLOP/s (min-max x FA2, n cells, source)" of the cells measuring `spec` in the
/// newest results file dated on or after `content_date` (the entry's current content).
fn speed_of(spec: Spec, content_date: &str, speeds: &[Speed]) -> Option<String> {
    let measuring = |s: &&Speed| {
        spec.variants.is_none()
            && s.gpu == spec.gpu
            && s.dtype == spec.dtype
            && s.head_dim == spec.head_dim
            && s.causal == spec.causal
            && s.date.as_str() >= content_date
    };
    // Newest by date, then by name among files of one day.
    let newest = speeds
        .iter()
        .filter(measuring)
        .max_by(|a, b| (&a.date, &a.source).cmp(&(&b.date, &b.source)))?;
    let cells: Vec<&Speed> = speeds
        .iter()
        .filter(measuring)
        .filter(|s| s.source == newest.source)
        .collect();
    let first = cells.first()?;
    let range = |f: &dyn Fn(&Speed) -> f64, digits: usize| {
        let lo = cells.iter().map(|s| f(s)).fold(f64::INFINITY, f64::min);
        let hi = cells.iter().map(|s| f(s)).fold(f64::NEG_INFINITY, f64::max);
        if lo == hi {
            format!("{lo:.digits$}")
        } else {
            format!("{lo:.digits$}-{hi:.digits$}")
        }
    };
    Some(format!(
        "{} TFLOP/s, {}x FA2 ({} cells, {})",
        range(&|s| s.tflops, 0),
        range(&|s| s.vs_fa2, 2),
        cells.len(),
        first.source
    ))
}

fn render(rows: &[Row], interpret: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Kernel cache coverage\n");
    let _ = writeln!(
        s,
        "Generated from the cache by `{COMMAND}`{}; do not edit by hand.\n",
        if interpret { "" } else { " --no-interpret" }
    );
    let _ = writeln!(
        s,
        "TL: the entry's `kernel.tl` run through the checker (against the GPU table of \
         qimeng-spec) and the CPU interpreter (against the f64 reference) when this table was \
         generated. Verified: the newest GPU test record (meta.json) of the entry's current \
         content; `ptx-jit` means the entry's PTX was JIT-compiled for a newer card than it \
         targets. Max error: the worst absolute error over that run's shapes. Speed: only \
         where a benchmark results file (bench/results/, bench.py's table) measured the spec's \
         current content: the newest file dated no earlier than the entry's first GPU record of \
         that content (or its seal date, if later), its last table; \"—\" otherwise, and \
         while no GPU record is of the current content.\n"
    );

    // Summary: GPUs x (dtype, head_dim, mask) of the plain specs; variants are counted.
    let verified = rows.iter().filter(|r| r.verified_passed()).count();
    let tl_ok = rows.iter().filter(|r| r.tl.is_ok()).count();
    let variants = rows.iter().filter(|r| !r.spec.variants.is_none()).count();
    let _ = writeln!(
        s,
        "{} entries ({} plain, {variants} with variants: window, softcap, ALiBi, varlen); {tl_ok} with a TL \
         plan that passes; {verified} verified on a GPU.\n",
        rows.len(),
        rows.len() - variants
    );
    let _ = writeln!(
        s,
        "Plain specs (no window, no softcap) by GPU; the variants are in the table below.\n"
    );
    let plain: Vec<&Row> = rows.iter().filter(|r| r.spec.variants.is_none()).collect();
    let mut combos: Vec<(DType, u32, bool)> = plain
        .iter()
        .map(|r| (r.spec.dtype, r.spec.head_dim, r.spec.causal))
        .collect();
    combos.sort();
    combos.dedup();
    let mut by_gpu: BTreeMap<Gpu, BTreeMap<(DType, u32, bool), &Row>> = BTreeMap::new();
    for r in plain {
        by_gpu
            .entry(r.spec.gpu)
            .or_default()
            .insert((r.spec.dtype, r.spec.head_dim, r.spec.causal), r);
    }
    let _ = write!(s, "| GPU | arch |");
    for (dt, d, c) in &combos {
        let _ = write!(s, " {dt} d{d} {} |", if *c { "causal" } else { "full" });
    }
    let _ = write!(s, "\n|---|---|");
    for _ in &combos {
        let _ = write!(s, "---|");
    }
    let _ = writeln!(s);
    for (gpu, cells) in &by_gpu {
        let _ = write!(s, "| {gpu} | {} |", gpu.info().sm_arch());
        for combo in &combos {
            let mark = match cells.get(combo) {
                None => "—",
                Some(r) if r.verified_passed() && r.tl.is_ok() => "verified",
                Some(r) if r.verified.as_ref().is_some_and(|v| !v.passed) => "FAILED",
                Some(r) if r.tl.is_ok() => "TL only",
                Some(_) => "TL rejected",
            };
            let _ = write!(s, " {mark} |");
        }
        let _ = writeln!(s);
    }

    let _ = writeln!(s, "\n## Spec by spec\n");
    let _ = writeln!(
        s,
        "| key | arch | origin | TL | verified (card, mode, date) | max error | rel L2 | speed |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for r in rows {
        let tl = match &r.tl {
            Ok(what) => what.clone(),
            Err(why) => format!("REJECTED: {}", why.replace('|', "\\|")),
        };
        let (verified, max_err, rel_l2) = match &r.verified {
            Some(v) => (
                format!(
                    "{}: {}, {}, {}",
                    if v.passed { "passed" } else { "FAILED" },
                    v.card,
                    v.mode,
                    v.date
                ),
                format!("{:.2e}", v.max_error),
                format!("{:.2e}", v.rel_l2),
            ),
            None if r.stale => (
                "no (records of older content only)".into(),
                "—".into(),
                "—".into(),
            ),
            None => ("no".into(), "—".into(), "—".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {tl} | {verified} | {max_err} | {rel_l2} | {} |",
            r.spec.key(),
            r.spec.gpu_info().sm_arch(),
            r.origin,
            r.speed.as_deref().unwrap_or("—")
        );
    }
    s
}

/// The decode (`dec-*`) entries: one line each, after the prefill table, with their
/// kernel.tl (the split/combine plan) through the decode checker and interpreter; their speed
/// is in bench/results/*-decode-*.md (GB/s, not TFLOP/s).
fn render_decode(cache: &Cache) -> Result<String, String> {
    let keys: Vec<_> = cache
        .kernel_keys()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|k| k.decode().is_some())
        .collect();
    let mut s = String::new();
    if keys.is_empty() {
        return Ok(s);
    }
    let _ = writeln!(
        s,
        "\n## Decode kernels\n\n{} entries (split-KV, paged or contiguous; \
         kernels-cache/include/qimeng/decode_fwd.cuh).\n\n\
         | key | sm | origin | TL | verified | max err | rel L2 |\n|---|---|---|---|---|---|---|",
        keys.len()
    );
    for key in keys {
        let line = match cache.lookup(key) {
            Ok(Some(e)) => {
                let content = e.content_hash();
                let v = e
                    .meta
                    .verification
                    .iter()
                    .rev()
                    .find(|v| v.content_hash == content);
                let (verified, max_err, rel) = match v {
                    Some(v) => (
                        format!(
                            "{} on {} ({})",
                            if v.passed { "passed" } else { "FAILED" },
                            v.card,
                            v.date
                        ),
                        format!("{:.2e}", v.max_error),
                        format!("{:.2e}", v.rel_l2),
                    ),
                    None => ("no".into(), "—".into(), "—".into()),
                };
                let tl = match (
                    key.decode(),
                    std::fs::read_to_string(e.dir.join("kernel.tl")),
                ) {
                    (Some(spec), Ok(src)) => match qimeng_tl::verify_decode(&src, &spec) {
                        Ok(v) => format!("checked, interpreted ({} cases)", v.runs.len()),
                        Err(_) => "rejected".to_string(),
                    },
                    _ => "missing".to_string(),
                };
                format!(
                    "| {} | {} | {} | {tl} | {verified} | {max_err} | {rel} |",
                    key.key(),
                    key.gpu_info().sm_arch(),
                    e.meta.provenance.origin
                )
            }
            Ok(None) => continue,
            Err(err) => format!(
                "| {} | {} | DAMAGED: {} | — | — | — | — |",
                key.key(),
                key.gpu_info().sm_arch(),
                err.to_string().lines().next().unwrap_or("")
            ),
        };
        let _ = writeln!(s, "{line}");
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_benchmark_table() {
        let text = "notes\n\n| grid | d | mask | ours | cuDNN | ours/FA2 (median) |\n\
                    |---|---|---|---|---|---|\n\
                    | fa3 | 64 | full | 284.4 | 392.9 | 1.077 (1.08..1.08) |\n\
                    | fa3 | 128 | causal | 209.9 | 330.0 | 1.132 (1.13..1.13) |\n\nafter\n";
        let mut cells = Vec::new();
        parse_table(text, |d, c, t, r| cells.push((d, c, t, r)));
        assert_eq!(
            cells,
            vec![(64, false, 284.4, 1.077), (128, true, 209.9, 1.132)]
        );
    }

    #[test]
    fn speed_ranges_over_the_cells_of_one_spec() {
        let spec = Spec::from_key("fwd-h100-bf16-d64-full").unwrap();
        let cell = |t, r| Speed {
            gpu: Gpu::H100,
            dtype: DType::Bf16,
            head_dim: 64,
            causal: false,
            tflops: t,
            vs_fa2: r,
            date: "2026-11-25".into(),
            source: "bench/results/h100.md".into(),
        };
        let speeds = [cell(284.4, 1.077), cell(331.6, 1.111)];
        assert_eq!(
            speed_of(spec, "2026-11-25", &speeds).unwrap(),
            "284-332 TFLOP/s, 1.08-1.11x FA2 (2 cells, bench/results/h100.md)"
        );
        let other = Spec::from_key("fwd-h100-f16-d64-full").unwrap();
        assert_eq!(speed_of(other, "2026-11-25", &speeds), None);
    }

    fn speed(tflops: f64, date: &str, source: &str) -> Speed {
        Speed {
            gpu: Gpu::H100,
            dtype: DType::Bf16,
            head_dim: 128,
            causal: false,
            tflops,
            vs_fa2: 1.0,
            date: date.into(),
            source: source.into(),
        }
    }

    // The FA2-era file measured an older kernel of the same key: it must not be shown for the
    // rewritten entry, and of two files that qualify only the newest counts.
    #[test]
    fn speed_is_that_of_the_current_content_only() {
        let spec = Spec::from_key("fwd-h100-bf16-d128-full").unwrap();
        let old = speed(330.0, "2026-11-25", "r/h100-2026-11-25.md");
        assert_eq!(speed_of(spec, "2026-11-26", &[old]), None);
        let speeds = [
            speed(330.0, "2026-11-25", "r/h100-2026-11-25.md"),
            speed(650.0, "2026-11-26", "r/h100-a-2026-11-26.md"),
            speed(700.0, "2026-11-27", "r/h100-b-2026-11-27.md"),
        ];
        assert_eq!(
            speed_of(spec, "2026-11-26", &speeds).unwrap(),
            "700 TFLOP/s, 1.00x FA2 (1 cells, r/h100-b-2026-11-27.md)"
        );
    }

    #[test]
    fn the_last_table_of_a_file_is_its_newest() {
        let table = |t: &str| {
            format!(
                "| grid | d | mask | ours | ours/FA2 (median) |\n|---|---|---|---|---|\n\
                 | fa3 | 128 | full | {t} | 1.5 (1.5..1.5) |\n"
            )
        };
        let text = format!(
            "run 1\n\n{}\nrun 2\n\n{}\nend\n",
            table("330.0"),
            table("700.0")
        );
        let mut cells = Vec::new();
        parse_table(&text, |d, c, t, r| cells.push((d, c, t, r)));
        assert_eq!(cells, vec![(128, false, 700.0, 1.5)]);
    }

    #[test]
    fn results_files_are_dated_by_name_and_typed_by_their_notes() {
        assert_eq!(
            file_date("h100-fa3-entries-2026-11-26.md"),
            Some("2026-11-26")
        );
        assert_eq!(file_date("h100-notes.md"), None);
        assert_eq!(
            file_dtype("torch 2.11, bf16 forward, BSHD"),
            Some(DType::Bf16)
        );
        assert_eq!(
            file_dtype("# H100, cuDNN 91900, f16, interleaved, 3 rounds"),
            Some(DType::F16)
        );
        assert_eq!(file_dtype("the 16 h100 bf16/f16 entries"), None);
    }
}
