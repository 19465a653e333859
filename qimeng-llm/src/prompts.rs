//! The three prompts, each a versioned file under `qimeng-llm/prompts/`, and what fills their
//! `{{placeholders}}`: the TL reference (`docs/TL.md`), the GPU's row of the GPU table, the
//! request, few-shot examples from the curated cache entries closest to the request, the shared
//! headers the CUDA may include, the launch ABI header and the lint's rules.
//!
//! A prompt file is `<!-- header -->`, then `<!-- system -->` and the system message, then
//! `<!-- user -->` and the user message.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use qimeng_spec::Spec;
use serde::{Deserialize, Serialize};

use crate::lint;
use crate::secret::redact;

/// The TL reference, pasted into the stage-1 prompts. (`docs/TL.md` is written to be pasted.)
pub const TL_REFERENCE: &str = include_str!("../../docs/TL.md");

/// A prompt template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stage name: `stage1a-sketch`, `stage1b-params` or `stage2-cuda`.
    pub name: &'static str,
    /// Version, bumped on every change of the text (the file is `<name>.v<version>.md`).
    pub version: u32,
    /// The file's text.
    pub text: &'static str,
}

/// Stage 1a: TL reference + GPU profile + request -> the TL statements (sketch).
pub const SKETCH: Template = Template {
    name: "stage1a-sketch",
    version: 1,
    text: include_str!("../prompts/stage1a-sketch.v1.md"),
};

/// Stage 1b: sketch -> the full TL program.
pub const PARAMS: Template = Template {
    name: "stage1b-params",
    version: 1,
    text: include_str!("../prompts/stage1b-params.v1.md"),
};

/// Stage 2: TL -> `kernel.cu` and `kernel.h`.
pub const CUDA: Template = Template {
    name: "stage2-cuda",
    version: 1,
    text: include_str!("../prompts/stage2-cuda.v1.md"),
};

/// The three templates, in stage order.
pub const TEMPLATES: [Template; 3] = [SKETCH, PARAMS, CUDA];

/// Which prompt was used: recorded in the entry's provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptId {
    /// Stage name.
    pub name: String,
    /// Version.
    pub version: u32,
    /// `sha256:<hex>` of the template file.
    pub sha256: String,
}

impl Template {
    /// The file name in `qimeng-llm/prompts/`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.md", self.name, self.version)
    }

    /// Its identity: name, version and the hash of the text.
    pub fn id(&self) -> PromptId {
        PromptId {
            name: self.name.into(),
            version: self.version,
            sha256: crate::sha256(self.text.as_bytes()),
        }
    }

    /// The system and user messages with every `{{name}}` replaced by its value. An unknown or
    /// unfilled placeholder is an error (a template and its filler out of step).
    pub fn render(&self, values: &[(&str, &str)]) -> Result<Rendered, String> {
        let body = self
            .text
            .split_once("-->")
            .map(|(_, b)| b)
            .unwrap_or(self.text);
        let (system, user) = body
            .split_once("<!-- system -->")
            .and_then(|(_, rest)| rest.split_once("<!-- user -->"))
            .ok_or_else(|| format!("{}: no <!-- system --> / <!-- user --> parts", self.name))?;
        let fill = |s: &str| -> Result<String, String> {
            let mut out = String::new();
            let mut rest = s;
            while let Some(p) = rest.find("{{") {
                out.push_str(&rest[..p]);
                let after = &rest[p + 2..];
                let end = after
                    .find("}}")
                    .ok_or_else(|| format!("{}: unclosed placeholder", self.name))?;
                let key = &after[..end];
                let value = values
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| format!("{}: no value for {{{{{key}}}}}", self.name))?;
                out.push_str(value);
                rest = &after[end + 2..];
            }
            out.push_str(rest);
            Ok(out)
        };
        Ok(Rendered {
            id: self.id(),
            system: fill(system.trim())?,
            user: fill(user.trim())? + "\n",
        })
    }
}

/// A prompt ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Which template.
    pub id: PromptId,
    /// The system message.
    pub system: String,
    /// The user message.
    pub user: String,
}

impl Rendered {
    /// The prompt as one Markdown document (for `--dry-run` and docs/).
    pub fn to_markdown(&self) -> String {
        format!(
            "<!-- Rendered by `qimeng generate --dry-run` from qimeng-llm/prompts/{}.v{}.md ({}). -->\n\n# system\n\n{}\n\n# user\n\n{}",
            self.id.name, self.id.version, self.id.sha256, self.system, self.user
        )
    }
}

/// A curated cache entry shown to the model as an example.
#[derive(Clone, Debug)]
pub struct Example {
    /// Its spec.
    pub spec: Spec,
    /// `kernel.tl`.
    pub tl: String,
    /// `kernel.cu`.
    pub cu: String,
    /// `kernel.h`.
    pub h: String,
}

impl Example {
    /// The TL without `param` and `Allocate` lines: what a sketch looks like.
    pub fn sketch(&self) -> String {
        self.tl
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                !t.starts_with("param") && !t.starts_with("Allocate")
            })
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Whether its CUDA is the Hopper warp-specialized family (fa3_fwd.cuh: wgmma, TMA ring,
    /// producer/consumer warpgroups), the plan an sm_90a request should follow.
    pub fn hopper_family(&self) -> bool {
        self.cu.contains("\"qimeng/fa3_fwd.cuh\"")
    }
}

/// Every entry of the cache directory `dir` that has a TL plan and CUDA, sorted by key.
pub fn load_examples(dir: &Path) -> Vec<Example> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Example> = read
        .filter_map(|e| {
            let path = e.ok()?.path();
            let spec = Spec::from_key(path.file_name()?.to_str()?)?;
            let file = |f: &str| fs::read_to_string(path.join(f)).ok();
            Some(Example {
                spec,
                tl: file("kernel.tl")?,
                cu: file("kernel.cu")?,
                h: file("kernel.h")?,
            })
        })
        .collect();
    out.sort_by_key(|e| e.spec);
    out
}

/// The `n` examples closest to `spec`: same arch first, then same dtype, head_dim, causal and
/// variants (window, softcap);
/// the spec itself is never its own example. For an sm_90a request the first example is the
/// closest Hopper-family entry (when there is one), so that the model sees the
/// producer/consumer schedule even where the nearest same-shape entries (d96, variants) are
/// FlashAttention-2-class.
pub fn closest<'e>(examples: &'e [Example], spec: &Spec, n: usize) -> Vec<&'e Example> {
    // Same arch, dtype, head_dim, causal; then an arch the target can run (older), nearest.
    let score = |e: &Example| {
        let (sm, want) = (e.spec.gpu_info().sm, spec.gpu_info().sm);
        (
            sm == want,
            e.spec.dtype == spec.dtype,
            e.spec.head_dim == spec.head_dim,
            e.spec.causal == spec.causal,
            e.spec.variants == spec.variants,
            sm <= want,
            std::cmp::Reverse(sm.abs_diff(want)),
        )
    };
    let mut v: Vec<&Example> = examples.iter().filter(|e| e.spec != *spec).collect();
    v.sort_by_key(|e| (std::cmp::Reverse(score(e)), e.spec));
    if spec.gpu_info().wgmma
        && let Some(at) = v.iter().position(|e| e.hopper_family())
    {
        let hopper = v.remove(at);
        v.insert(0, hopper);
    }
    v.truncate(n);
    v
}

/// Everything the prompts are filled from besides the spec.
#[derive(Clone, Debug)]
pub struct Context {
    /// The shared headers (`include/`, holding `qimeng/abi.h` and the primitives).
    pub include_dir: PathBuf,
    /// The curated entries examples are drawn from.
    pub examples: Vec<Example>,
    /// How many examples each prompt shows. Default 2.
    pub shots: usize,
}

impl Context {
    /// Headers from `include_dir`, examples from the cache directory `examples_dir`.
    pub fn new(include_dir: impl Into<PathBuf>, examples_dir: &Path) -> Context {
        Context {
            include_dir: include_dir.into(),
            examples: load_examples(examples_dir),
            shots: 2,
        }
    }

    fn header(&self, rel: &str) -> Result<String, String> {
        let p = self.include_dir.join(rel);
        fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    }

    /// The stage-1a prompt.
    pub fn sketch_prompt(&self, spec: &Spec) -> Result<Rendered, String> {
        let examples = self.examples_text(spec, |e| format!("```tl\n{}```\n", e.sketch()));
        SKETCH.render(&[
            ("tl_reference", TL_REFERENCE.trim()),
            ("gpu_profile", &gpu_profile(spec)),
            ("request", &request(spec)),
            ("examples", &examples),
        ])
    }

    /// The stage-1b prompt, around the accepted sketch.
    pub fn params_prompt(&self, spec: &Spec, sketch: &str) -> Result<Rendered, String> {
        let examples = self.examples_text(spec, |e| format!("```tl\n{}```\n", e.tl));
        PARAMS.render(&[
            ("tl_reference", TL_REFERENCE.trim()),
            ("gpu_profile", &gpu_profile(spec)),
            ("request", &request(spec)),
            ("sketch", &with_newline(sketch)),
            ("examples", &examples),
        ])
    }

    /// The stage-2 prompt, around the verified TL program.
    pub fn cuda_prompt(&self, spec: &Spec, tl: &str) -> Result<Rendered, String> {
        let examples = self.examples_text(spec, |e| {
            format!(
                "TL:\n\n```tl\n{}```\n\n```cuda kernel.cu\n{}```\n\n```c kernel.h\n{}```\n",
                e.tl, e.cu, e.h
            )
        });
        CUDA.render(&[
            ("gpu_profile", &gpu_profile(spec)),
            ("request", &request(spec)),
            ("tl", &with_newline(tl)),
            ("abi_header", &with_newline(&self.header("qimeng/abi.h")?)),
            ("expected_header", &expected_declaration(spec)),
            ("primitives", &self.primitives(spec)?),
            ("lint_rules", &lint_rules()),
            ("examples", &examples),
        ])
    }

    fn examples_text(&self, spec: &Spec, show: impl Fn(&Example) -> String) -> String {
        let chosen = closest(&self.examples, spec, self.shots);
        if chosen.is_empty() {
            return "(none)\n".into();
        }
        let mut out = String::new();
        for e in chosen {
            let _ = write!(out, "### `{}` ({})\n\n{}\n", e.spec.key(), e.spec, show(e));
        }
        out
    }

    /// Whether the shared header `name` (under `include/qimeng/`) is one a kernel for `spec`
    /// builds on: the prefill templates its arch and dtype can use. The decode family and the
    /// other archs' templates stay out of the prompt (all of them would be ~180 KB).
    fn header_serves(spec: &Spec, name: &str) -> bool {
        let sm90 = spec.gpu.info().wgmma;
        match name {
            "abi.h" | "decode_abi.h" | "decode_fwd.cuh" => false,
            "f32_fwd.cuh" => spec.dtype == qimeng_spec::DType::F32,
            "fa3_fwd.cuh" | "sm90.cuh" | "sm90_wgmma.cuh" => sm90,
            _ => true,
        }
    }

    /// The allowed includes and the text of the shared headers a kernel for `spec` builds on.
    fn primitives(&self, spec: &Spec) -> Result<String, String> {
        let mut out = String::from("Angle-bracket includes allowed: the CUDA headers (");
        out.push_str(
            &lint::ANGLE_INCLUDES
                .iter()
                .map(|h| format!("<{h}>"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str(
            ", <cuda/...>, <cooperative_groups/...>) and CuTe/CUTLASS (<cute/...>, \
             <cutlass/...>). Quoted includes allowed: \"kernel.h\" and these shared headers of \
             qimeng, which you should build on:\n\n",
        );
        let dir = self.include_dir.join("qimeng");
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| Self::header_serves(spec, &n.to_string_lossy()))
            })
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let text =
                fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            let _ = write!(
                out,
                "### \"qimeng/{name}\"\n\n```cuda\n{}```\n\n",
                with_newline(&text)
            );
        }
        Ok(out)
    }
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// The request: what to build, in words.
pub fn request(spec: &Spec) -> String {
    format!(
        "- key: `{}`\n- FlashAttention forward: O = softmax(scale * Q K^T) V per (batch, query head), \
         scale passed at run time (default 1/sqrt(head_dim))\n- dtype of Q, K, V and O: {}\n\
         - head_dim: {}\n- causal: {}\n- GQA: heads_q is a multiple of heads_kv\n\
         - any sequence lengths >= 1 (tails must be masked)\n- launch function: `{}`{}",
        spec.key(),
        spec.dtype.name(),
        spec.head_dim,
        if spec.causal {
            "yes, aligned bottom-right (query i sees key j iff j <= i + seqlen_k - seqlen_q)"
        } else {
            "no"
        },
        spec.symbol(),
        variant_lines(spec)
    )
}

/// The variants of `spec` in words (empty for plain attention).
fn variant_lines(spec: &Spec) -> String {
    let mut s = String::new();
    if let Some(w) = spec.variants.window {
        s += &format!(
            "\n- sliding window ({l}, {r}): query i sees key j iff \
             i + seqlen_k - seqlen_q - {l} <= j <= i + seqlen_k - seqlen_q + {r}; key blocks \
             wholly outside the window are never loaded",
            l = w.left,
            r = w.right
        );
    }
    if let Some(c) = spec.variants.softcap {
        s += &format!(
            "\n- softcap {c}: s = {c} * tanh(s / {c}) on the scaled scores (softmax_scale * q.k), \
             before any mask"
        );
    }
    if spec.variants.alibi {
        s += "\n- ALiBi: s += -alibi_slopes[b * alibi_batch_stride + h] * |i + seqlen_k - \
              seqlen_q - j| on the scaled scores (softmax_scale * q.k), before the masks";
    }
    if spec.variants.varlen {
        s += "\n- varlen: q, k, v, o are packed [total_tokens, heads, head_dim]; sequence b \
              owns rows cu_seqlens_q[b]..cu_seqlens_q[b+1] (q, o) and cu_seqlens_k[b].. \
              cu_seqlens_k[b+1] (k, v); the grid covers max_seqlen_q; masks align with each \
              sequence's own lengths; a block past its sequence's end exits, writing nothing";
    }
    s
}

/// The GPU's row of the GPU table, in words.
pub fn gpu_profile(spec: &Spec) -> String {
    let g = spec.gpu_info();
    let dtypes: Vec<&str> = g.tensor_core_dtypes.iter().map(|d| d.name()).collect();
    let native = g.native_tensor_core(spec.dtype);
    format!(
        "- card: {} ({}, compile target {})\n- shared memory: up to {} KiB per block (opt-in), {} KiB per SM\n\
         - registers: {} x 32-bit per SM, at most 255 per thread\n- SMs: {}\n\
         - tensor cores: `mma.sync` {} on {}{}\n- cp.async (global -> shared, async): {}\n\
         - wgmma and TMA: {}\n- the requested dtype {} {}",
        g.name,
        g.sm_arch(),
        g.sm_arch(),
        g.smem_per_block / 1024,
        g.smem_per_sm / 1024,
        g.regs_per_sm,
        g.sm_count,
        g.mma_shape,
        dtypes.join(", "),
        if g.sm == 75 {
            " (a m16n8k16 product is two m16n8k8)"
        } else {
            ""
        },
        if g.cp_async { "yes" } else { "no" },
        if g.wgmma { "yes" } else { "no" },
        spec.dtype.name(),
        if native {
            "is a native tensor-core operand type here"
        } else {
            "is NOT a tensor-core operand type here: convert it (e.g. bf16 -> f16, exact for \
             normal values under 65504) before the GEMMs"
        }
    )
}

/// The exact declaration `kernel.h` must hold.
pub fn expected_declaration(spec: &Spec) -> String {
    format!(
        "#include \"qimeng/abi.h\"\n\nQIMENG_EXTERN_C int {}(const QimengAttnArgs* args, void* stream);",
        spec.symbol()
    )
}

fn lint_rules() -> String {
    let mut out = String::new();
    for (rule, text) in lint::RULES {
        let _ = writeln!(out, "- `{rule}`: {text}");
    }
    out
}

/// The rendered messages with `key` removed (for transcripts).
pub fn redact_rendered(r: &Rendered, key: Option<&crate::ApiKey>) -> Rendered {
    Rendered {
        id: r.id.clone(),
        system: redact(&r.system, key),
        user: redact(&r.user, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels-cache");
        Context::new(root.join("include"), &root)
    }

    #[test]
    fn every_prompt_renders_with_no_placeholder_left() {
        let c = ctx();
        let spec = Spec::from_key("fwd-t4-bf16-d128-causal").unwrap();
        for r in [
            c.sketch_prompt(&spec).unwrap(),
            c.params_prompt(&spec, "Sync\n").unwrap(),
            c.cuda_prompt(&spec, "Sync\n").unwrap(),
        ] {
            assert!(!r.user.contains("{{"), "{}", r.id.name);
            assert!(!r.system.is_empty());
            assert!(r.id.sha256.starts_with("sha256:"));
        }
        let cuda = c.cuda_prompt(&spec, "Sync\n").unwrap().user;
        assert!(cuda.contains("QIMENG_EXTERN_C int qimeng_fwd_t4_bf16_d128_causal(const QimengAttnArgs* args, void* stream);"));
        assert!(cuda.contains("typedef struct QimengAttnArgs"));
        assert!(cuda.contains("\"qimeng/prims.cuh\""));
        assert!(cuda.contains("`inline-asm`"));
    }

    #[test]
    fn the_cuda_prompt_carries_the_headers_of_its_arch_and_dtype_only() {
        let c = ctx();
        let shown = |key: &str| {
            let spec = Spec::from_key(key).unwrap();
            let user = c.cuda_prompt(&spec, "Sync\n").unwrap().user;
            [
                "fa2_fwd.cuh",
                "fa3_fwd.cuh",
                "sm90.cuh",
                "f32_fwd.cuh",
                "decode_fwd.cuh",
            ]
            .map(|h| user.contains(&format!("### \"qimeng/{h}\"")))
        };
        assert_eq!(
            shown("fwd-l4-bf16-d128-causal"),
            [true, false, false, false, false]
        );
        assert_eq!(
            shown("fwd-h100-bf16-d128-causal"),
            [true, true, true, false, false]
        );
        assert_eq!(
            shown("fwd-a100-f32-d64-full"),
            [true, false, false, true, false]
        );
    }

    #[test]
    fn examples_are_the_closest_entries() {
        let c = ctx();
        let spec = Spec::from_key("fwd-t4-bf16-d128-causal").unwrap();
        let chosen = closest(&c.examples, &spec, 2);
        let keys: Vec<String> = chosen.iter().map(|e| e.spec.key()).collect();
        // Same arch (rtx8000 is sm_75 too) and shape first, then the same arch's other shapes.
        assert_eq!(
            keys,
            ["fwd-rtx8000-bf16-d128-causal", "fwd-t4-bf16-d128-full"]
        );
        let l4 = Spec::from_key("fwd-l4-bf16-d128-causal").unwrap();
        // Same arch first: another sm_89 card's entry of the same shape.
        assert_eq!(
            closest(&c.examples, &l4, 1)[0].spec.key(),
            "fwd-rtx4090-bf16-d128-causal"
        );
        // No sm_89 entry: same dtype, head_dim and causal win, from the nearest older arch.
        let no_sm89: Vec<Example> = c
            .examples
            .iter()
            .filter(|e| e.spec.gpu_info().sm != 89)
            .cloned()
            .collect();
        assert_eq!(
            closest(&no_sm89, &l4, 1)[0].spec.key(),
            "fwd-a10-bf16-d128-causal"
        );
        assert!(!chosen[0].sketch().contains("Allocate"));
    }

    #[test]
    fn sm90_requests_get_a_hopper_family_example() {
        let c = ctx();
        // A shape the family covers: the same shape on the other sm_90a card.
        let d128 = Spec::from_key("fwd-h200-bf16-d128-causal").unwrap();
        let chosen = closest(&c.examples, &d128, 1);
        assert!(chosen[0].hopper_family());
        assert_eq!(chosen[0].spec.key(), "fwd-h100-bf16-d128-causal");
        // A shape it does not (d96: FA2-class entries are nearer): still one Hopper example,
        // first, next to the nearest entry of the shape.
        let d96 = Spec::from_key("fwd-h100-f16-d96-causal").unwrap();
        let chosen = closest(&c.examples, &d96, 2);
        assert!(chosen[0].hopper_family(), "{}", chosen[0].spec.key());
        assert_eq!(chosen[0].spec.gpu_info().sm, 90);
        assert_eq!(chosen[1].spec.key(), "fwd-h100-f16-d96-full");
        assert!(chosen[0].tl.contains("Barrier k_full, k_empty for sK"));
        assert!(chosen[0].cu.contains("fa3_fwd_launch<Spec>"));
        let prompt = c.cuda_prompt(&d96, "Sync\n").unwrap().user;
        assert!(prompt.contains("pingpong, overlap)") && prompt.contains("fa3_fwd_launch<Spec>"));
        // Other archs never get one.
        let a100 = Spec::from_key("fwd-a100-f16-d128-causal").unwrap();
        assert!(
            closest(&c.examples, &a100, 2)
                .iter()
                .all(|e| !e.hopper_family())
        );
    }

    #[test]
    fn an_unfilled_placeholder_is_an_error() {
        let e = SKETCH.render(&[("request", "x")]).unwrap_err();
        assert!(e.contains("no value for {{"), "{e}");
    }
}
