//! Builds a tiny crate that uses qimeng with real `cargo build` runs and counts what nvcc did,
//! through a CUDA root whose `bin/nvcc` logs each call and then runs the real one.
//!
//! What is checked: a no-op rebuild reruns nothing; touching an unrelated file reruns the build
//! script but no nvcc; a QIMENG_* variable reruns the build script; a new annotation compiles
//! that kernel only; an edited entry is refused until resealed, then only it is compiled; the
//! lock is written by normal builds, enforced by QIMENG_LOCKED=1 (naming the spec and what
//! differs), and a locked build opens no connection to a configured LLM. Also: two processes
//! sharing one object cache and one lock file.
//!
//! The fixture's Rust dependencies are compiled once into `target/tmp` and reused; the test
//! compiles three small kernels (about a minute on two cores). Without a CUDA toolchain it
//! reports itself skipped.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use qimeng_build::lock;
use qimeng_build::objcache::{Artifacts, ObjectCache, ObjectKey, Outcome};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const A: &str = r#"gpu = "t4", dtype = "f16", head_dim = 64"#;
const A_KEY: &str = "fwd-t4-f16-d64-full";
const B: &str = r#"gpu = "t4", dtype = "f16", head_dim = 64, causal = true"#;
const B_KEY: &str = "fwd-t4-f16-d64-causal";

/// A valid spec that no cache holds: its attribute text and key. Looked up rather than named,
/// since the curated grid grows (every GPU has f16/bf16 d64/d128 entries since issue 9).
fn nowhere() -> (String, String) {
    use qimeng_spec::{DType, Gpu, HEAD_DIMS, Spec};
    for gpu in Gpu::all() {
        for dtype in [DType::F16, DType::Bf16] {
            for &d in HEAD_DIMS.iter().rev() {
                let key = format!("fwd-{gpu}-{dtype}-d{d}-full");
                assert!(Spec::from_key(&key).is_some(), "{key}");
                if !Path::new(ROOT).join("kernels-cache").join(&key).exists() {
                    return (
                        format!(r#"gpu = "{gpu}", dtype = "{dtype}", head_dim = {d}"#),
                        key,
                    );
                }
            }
        }
    }
    panic!("every plain f16/bf16 spec is cached: pick another spec no cache holds")
}

struct Fixture {
    dir: PathBuf,
    cuda: PathBuf,
    nvcc_log: PathBuf,
    objects: PathBuf,
    target: PathBuf,
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qimeng-builds-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

impl Fixture {
    /// `None` when this machine has no CUDA toolchain.
    fn new(name: &str) -> Option<Fixture> {
        let root = Path::new(ROOT).canonicalize().unwrap();
        let tc = qimeng_toolchain::Toolchain::find(&[&root]).ok()?;
        let base = scratch(name);
        let cuda = base.join("cuda");
        fs::create_dir_all(cuda.join("bin")).unwrap();
        let nvcc_log = base.join("nvcc.log");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            nvcc_log.display(),
            tc.nvcc.display()
        );
        let nvcc = cuda.join("bin/nvcc");
        fs::write(&nvcc, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::{PermissionsExt, symlink};
            fs::set_permissions(&nvcc, fs::Permissions::from_mode(0o755)).unwrap();
            symlink(&tc.include, cuda.join("include")).unwrap();
            symlink(&tc.lib, cuda.join("lib64")).unwrap();
        }
        let dir = base.join("crate");
        fs::create_dir_all(dir.join("src")).unwrap();
        let dep = |c: &str| format!("{{ path = \"{}\" }}", root.join(c).display());
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"qimeng-fixture\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\nqimeng-runtime = {}\nqimeng-macros = {}\n\n\
                 [build-dependencies]\nqimeng-build = {}\n\n[workspace]\n",
                dep("qimeng-runtime"),
                dep("qimeng-macros"),
                dep("qimeng-build")
            ),
        )
        .unwrap();
        // The workspace's lock: the same dependency versions, resolved offline.
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        fs::write(
            dir.join("build.rs"),
            "fn main() {\n    qimeng_build::Builder::new().build();\n}\n",
        )
        .unwrap();
        fs::write(dir.join("src/other.rs"), "pub fn unrelated() {}\n").unwrap();
        Some(Fixture {
            dir,
            cuda,
            nvcc_log,
            objects: base.join("objects"),
            target: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qimeng-fixture-target"),
        })
    }

    fn annotate(&self, specs: &[&str]) {
        let mut src = String::from(
            "use qimeng_macros::flash_attention;\nuse qimeng_runtime::{f16, Result, Stream, \
             Tensor, TensorMut};\npub mod other;\n",
        );
        for (i, s) in specs.iter().enumerate() {
            src.push_str(&format!(
                "\n#[flash_attention({s})]\npub fn attn{i}(q: &Tensor<f16>, k: &Tensor<f16>, \
                 v: &Tensor<f16>, out: &mut TensorMut<f16>, stream: &Stream) -> Result<()>;\n"
            ));
        }
        fs::write(self.dir.join("src/lib.rs"), src).unwrap();
    }

    fn cargo(&self, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--offline", "-v"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("QIMENG_CUDA_HOME", &self.cuda)
            .env("QIMENG_BUILD_CACHE", &self.objects);
        for v in [
            "QIMENG_LOCKED",
            "QIMENG_CACHE_DIR",
            "QIMENG_LLM_BASE_URL",
            "QIMENG_LOCK_FILE",
            "CUDA_HOME",
            "CUDA_PATH",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// nvcc command lines logged so far.
    fn nvcc_calls(&self) -> Vec<String> {
        fs::read_to_string(&self.nvcc_log)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn lock(&self) -> lock::LockFile {
        lock::read(&self.dir.join("qimeng.lock"))
            .unwrap()
            .expect("qimeng.lock")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    let e = stderr(&o);
    assert!(o.status.success(), "cargo build failed:\n{e}");
    e
}

fn build_script_ran(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.contains("Running") && l.contains("qimeng-fixture") && l.contains("build-script-build")
    })
}

/// Compiles of kernel sources among `calls` (cc's detection and device-link runs excluded).
fn compiles<'a>(calls: &'a [String], key: &str) -> Vec<&'a String> {
    calls
        .iter()
        .filter(|c| c.contains(&format!("/{key}/kernel.cu")) && c.contains(" -c "))
        .collect()
}

#[test]
fn change_tracking_lock_and_offline() {
    let Some(f) = Fixture::new("tracking") else {
        eprintln!("skipped: no CUDA toolchain (bash scripts/setup.sh installs one)");
        return;
    };

    // Cold: A is compiled once, the lock pins it for this crate.
    f.annotate(&[A]);
    ok(f.cargo(&[]));
    let calls = f.nvcc_calls();
    assert_eq!(compiles(&calls, A_KEY).len(), 1, "{calls:#?}");
    let pinned = f.lock();
    assert_eq!(pinned.kernels.keys().collect::<Vec<_>>(), vec![A_KEY]);
    assert!(pinned.kernels[A_KEY].toolchain.starts_with("nvcc 13."));
    assert!(pinned.kernels[A_KEY].crates.contains("qimeng-fixture"));

    // No-op: the build script does not run, nvcc does not run.
    let n = f.nvcc_calls().len();
    let e = ok(f.cargo(&[]));
    assert!(!build_script_ran(&e), "{e}");
    assert_eq!(f.nvcc_calls().len(), n);

    // An unrelated source file: the build script reruns (it scans every file) but runs no nvcc,
    // not even `--version`.
    fs::write(
        f.dir.join("src/other.rs"),
        "pub fn unrelated() { let _ = 1; }\n",
    )
    .unwrap();
    let e = ok(f.cargo(&[]));
    assert!(build_script_ran(&e), "{e}");
    assert_eq!(f.nvcc_calls()[n..], [] as [String; 0]);

    // A QIMENG_* variable reruns the build script; the lock matches, so a locked build passes.
    let e = ok(f.cargo(&[("QIMENG_LOCKED", "1")]));
    assert!(build_script_ran(&e), "{e}");
    assert_eq!(f.nvcc_calls().len(), n);

    // A new annotation compiles that kernel only and joins the lock.
    f.annotate(&[A, B]);
    ok(f.cargo(&[]));
    let calls = f.nvcc_calls();
    assert_eq!(compiles(&calls[n..], B_KEY).len(), 1, "{calls:#?}");
    assert_eq!(compiles(&calls[n..], A_KEY).len(), 0, "{calls:#?}");
    assert_eq!(
        f.lock().kernels.keys().collect::<Vec<_>>(),
        vec![B_KEY, A_KEY]
    );
    let locked_ab = fs::read_to_string(f.dir.join("qimeng.lock")).unwrap();

    // Locked, with an LLM configured on a loopback server that counts connections: a spec the
    // lock lacks and no cache holds fails the build, naming it; nothing connects; B is stale.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicUsize::new(0));
    let counter = {
        let (connections, stop) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            while stop.load(Ordering::SeqCst) == 0 {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        connections.fetch_add(1, Ordering::SeqCst);
                        let _ = s.read(&mut [0u8; 64]);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        })
    };
    let (nowhere, nowhere_key) = nowhere();
    f.annotate(&[A, &nowhere]);
    let n = f.nvcc_calls().len();
    let out = f.cargo(&[("QIMENG_LOCKED", "1"), ("QIMENG_LLM_BASE_URL", &url)]);
    let e = stderr(&out);
    assert!(!out.status.success());
    assert!(e.contains("qimeng.lock does not match this build"), "{e}");
    assert!(e.contains(&format!("`{nowhere_key}`")), "{e}");
    assert!(e.contains("is in no kernel cache"), "{e}");
    assert!(
        e.contains(&format!("stale: the lock file pins `{B_KEY}`")),
        "{e}"
    );
    stop.store(1, Ordering::SeqCst);
    counter.join().unwrap();
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a locked build connected"
    );
    assert_eq!(f.nvcc_calls().len(), n, "a failing locked build compiled");

    // An entry edited without resealing is refused, never compiled.
    f.annotate(&[A, B]);
    let local = f.dir.join("kernels-cache").join(A_KEY);
    fs::create_dir_all(&local).unwrap();
    for file in [
        "spec.json",
        "kernel.tl",
        "kernel.cu",
        "kernel.h",
        "meta.json",
    ] {
        fs::copy(
            Path::new(ROOT).join("kernels-cache").join(A_KEY).join(file),
            local.join(file),
        )
        .unwrap();
    }
    let mut cu = fs::read_to_string(local.join("kernel.cu")).unwrap();
    cu.push_str("/* an edit */\n");
    fs::write(local.join("kernel.cu"), &cu).unwrap();
    let out = f.cargo(&[]);
    let e = stderr(&out);
    assert!(!out.status.success());
    assert!(
        e.contains("kernel.cu does not match the hash recorded"),
        "{e}"
    );
    assert_eq!(f.nvcc_calls().len(), n);

    // Resealed: that kernel only is compiled again; the lock follows in a normal build, and a
    // locked build against the old lock names the spec and the part that differs.
    let spec = qimeng_build::qimeng_spec::Spec::from_key(A_KEY).unwrap();
    qimeng_build::cache::seal(&local, spec, "curated", "2026-11-25").unwrap();
    ok(f.cargo(&[]));
    let calls = f.nvcc_calls();
    assert_eq!(compiles(&calls[n..], A_KEY).len(), 1, "{calls:#?}");
    assert_eq!(compiles(&calls[n..], B_KEY).len(), 0, "{calls:#?}");
    assert_ne!(
        fs::read_to_string(f.dir.join("qimeng.lock")).unwrap(),
        locked_ab
    );
    fs::write(f.dir.join("qimeng.lock"), &locked_ab).unwrap();
    let out = f.cargo(&[("QIMENG_LOCKED", "1")]);
    let e = stderr(&out);
    assert!(!out.status.success());
    assert!(
        e.contains(&format!("`{A_KEY}`"))
            && e.contains("the cache entry (spec.json, kernel.tl, kernel.cu, kernel.h) differs"),
        "{e}"
    );
    assert!(!e.contains(&format!("`{B_KEY}`")), "only A differs: {e}");

    // A miss watches every place it searched: an entry put into the crate's cache is seen by
    // the next build with no source change (here half an entry, which that build reports).
    f.annotate(&[A, &nowhere]);
    let out = f.cargo(&[]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains(&format!("no cached kernel for {nowhere_key}")),
        "{e}"
    );
    let entry = f.dir.join("kernels-cache").join(&nowhere_key);
    fs::create_dir_all(&entry).unwrap();
    fs::write(entry.join("kernel.cu"), "// half an entry\n").unwrap();
    let out = f.cargo(&[]);
    let e = stderr(&out);
    assert!(!out.status.success());
    assert!(build_script_ran(&e), "{e}");
    assert!(e.contains("spec.json is missing"), "{e}");
}

/// One child process of [`two_processes_share_one_cache`].
#[test]
fn child_process() {
    let Ok(root) = std::env::var("QIMENG_TEST_CHILD_ROOT") else {
        return;
    };
    let me = std::env::var("QIMENG_TEST_CHILD_NAME").unwrap();
    let root = PathBuf::from(root);
    let cache = ObjectCache::new(root.join("cache"));
    let key = ObjectKey::default().with("entry", "sha256:shared");
    let (a, outcome) = cache
        .get_or_build(&key, || {
            // Stands in for nvcc: slow enough that the other process arrives meanwhile.
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(root.join("builds"))
                .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{me}\n").as_bytes()))
                .unwrap();
            std::thread::sleep(Duration::from_millis(800));
            Ok(Artifacts {
                lib: b"!<arch>\nthe library".to_vec(),
                bindings: "pub fn f();\n".into(),
            })
        })
        .unwrap();
    assert_eq!(a.lib, b"!<arch>\nthe library");
    println!("OUTCOME {me} {outcome:?}");
    let _ = outcome == Outcome::Hit;
    // Both write their own crate's part of one lock file, many times over.
    let path = root.join("qimeng.lock");
    for i in 0..25 {
        let pins: BTreeMap<String, lock::Pin> = [(
            format!("key-{me}"),
            lock::Pin {
                spec: me.clone(),
                entry: format!("sha256:{i}"),
                headers: "sha256:h".into(),
                toolchain: "nvcc 13.0.88".into(),
                crates: Default::default(),
            },
        )]
        .into();
        lock::update(&path, &me, &pins).unwrap();
    }
}

#[test]
fn two_processes_share_one_cache() {
    let root = scratch("two-processes");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["one", "two"]
        .iter()
        .map(|name| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("QIMENG_TEST_CHILD_ROOT", &root)
                .env("QIMENG_TEST_CHILD_NAME", name)
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    let builds = fs::read_to_string(root.join("builds")).unwrap();
    assert_eq!(builds.lines().count(), 1, "built more than once: {builds}");
    let key = ObjectKey::default().with("entry", "sha256:shared");
    let cache = ObjectCache::new(root.join("cache"));
    assert!(cache.get(&key).unwrap().is_some());
    let leftovers: Vec<_> = fs::read_dir(root.join("cache/objects"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
    let lock = lock::read(&root.join("qimeng.lock")).unwrap().unwrap();
    assert_eq!(
        lock.kernels.keys().collect::<Vec<_>>(),
        vec!["key-one", "key-two"],
        "an update lost the other process's entry"
    );
    assert_eq!(lock.kernels["key-one"].entry, "sha256:24");
}
