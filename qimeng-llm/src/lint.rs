//! The lint of generated CUDA. The model's code is untrusted input: it is compiled on the
//! user's machine and runs in the user's process. Before nvcc sees it, [`lint`] rejects what a
//! FlashAttention kernel never needs and what could reach outside the GPU. The rules (each
//! violation names one, and the model is told it):
//!
//! | rule | rejects |
//! |---|---|
//! | `include-allowlist` | an `#include` other than CUDA's headers ([`ANGLE_INCLUDES`], `cuda/...`, `cooperative_groups/...`), CuTe/CUTLASS (`cute/...`, `cutlass/...`), `"qimeng/..."` and `"kernel.h"`; a path with `..`; `#include_next`, `#import`, `#embed`, `#include MACRO` |
//! | `pragma` | a `#pragma` other than `unroll`, `nounroll`, `once` |
//! | `host-code` | a function that runs on the host other than the launch function (every other definition must be `__device__`, `__global__` or `constexpr`; lambdas outside functions count); `__attribute__`, load-time constructors and destructors |
//! | `files` | file access (`fopen`, `open`, `std::ifstream`, `std::filesystem`, `remove`, `mmap`, ...) |
//! | `processes` | starting, signalling or ending processes (`system`, `popen`, `fork`, `exec*`, `kill`, `exit`, `abort`, ...) |
//! | `network` | sockets and name lookup (`socket`, `connect`, `getaddrinfo`, ...) |
//! | `environment` | environment variables (`getenv`, `setenv`, `environ`, ...) |
//! | `dynamic-loading` | loading code at run time (`dlopen`, `dlsym`, `LoadLibrary`, `syscall`, ...) |
//! | `console-io` | printing and reading (`printf`, `puts`, `std::cout`, `scanf`, ...) |
//! | `allocation` | memory allocation, on the device or the host (`malloc`, `free`, `new`, `delete`, `cudaMalloc*`, `cudaFree*`, `cudaDeviceSetLimit`) |
//! | `inline-asm` | inline assembly whose PTX instructions are not all in [`PTX_ALLOWLIST`] (by base opcode: `mma.sync...` is `mma`), or whose instruction text is not a string literal |
//!
//! Comments and string literals are skipped (except the PTX strings of `asm`), so a rule names
//! only code. The lint is deliberately stricter than needed: a false rejection costs one
//! repair round with the model; a false acceptance runs foreign code in the user's process.

use std::fmt;

/// The rules, as the stage-2 prompt states them.
pub const RULES: &[(&str, &str)] = &[
    (
        "include-allowlist",
        "include only CUDA headers, <cute/...>, <cutlass/...>, \"qimeng/...\" and \"kernel.h\"; no `..` or absolute paths, no #include_next/#import/#embed",
    ),
    ("pragma", "only `#pragma unroll`, `nounroll` and `once`"),
    (
        "host-code",
        "the launch function is the only code that runs on the host: every other function is `__device__`, `__global__` or `constexpr`; no main, no lambdas or initializers that run at load time, no __attribute__",
    ),
    ("files", "no file access of any kind"),
    (
        "processes",
        "no starting, signalling or ending processes (no exit, abort, system)",
    ),
    ("network", "no sockets or name lookup"),
    ("environment", "no environment variables"),
    ("dynamic-loading", "no dlopen, module loading or syscalls"),
    ("console-io", "no printf, puts, iostreams or scanf"),
    (
        "allocation",
        "no memory allocation on the device or the host (malloc, new, cudaMalloc, ...): registers, shared memory and the launch arguments' buffers only",
    ),
    (
        "inline-asm",
        "inline PTX only from the allowlist (mma, wgmma, ldmatrix, stmatrix, cp, ld, st, cvt, ex2, bar, mbarrier, fence, setmaxnreg, shfl, mov and arithmetic), written as string literals",
    ),
];

/// `#include <...>` headers allowed besides the `cute/`, `cutlass/`, `cuda/` and
/// `cooperative_groups/` trees.
pub const ANGLE_INCLUDES: &[&str] = &[
    "cuda_runtime.h",
    "cuda_runtime_api.h",
    "cuda_fp16.h",
    "cuda_bf16.h",
    "cuda_fp8.h",
    "cuda_pipeline.h",
    "cuda_pipeline_primitives.h",
    "cuda_awbarrier_primitives.h",
    "mma.h",
    "math_constants.h",
    "device_launch_parameters.h",
    "vector_types.h",
    "cooperative_groups.h",
    "stdint.h",
    "cstdint",
    "cstddef",
    "stddef.h",
    "type_traits",
    "limits",
    "climits",
    "cfloat",
    "float.h",
    "cmath",
    "math.h",
    "utility",
    "array",
];

/// Base opcodes of the PTX instructions inline assembly may use: tensor-core MMA, matrix and
/// async copies, loads and stores, conversions, the fast exp2, barriers and fences, register
/// reallocation, shuffles and plain integer/float arithmetic. Not: `call`, `trap`, `exit`,
/// `brkpt`, `pmevent`, atomics, or anything else.
pub const PTX_ALLOWLIST: &[&str] = &[
    "mma",
    "wgmma",
    "ldmatrix",
    "stmatrix",
    "movmatrix",
    "cp",
    "ld",
    "st",
    "cvt",
    "cvta",
    "ex2",
    "lg2",
    "rcp",
    "sqrt",
    "rsqrt",
    "bar",
    "barrier",
    "mbarrier",
    "fence",
    "setmaxnreg",
    "elect",
    "shfl",
    "mov",
    "add",
    "sub",
    "mul",
    "mad",
    "fma",
    "max",
    "min",
    "and",
    "or",
    "xor",
    "not",
    "shl",
    "shr",
    "selp",
    "set",
    "setp",
    "prmt",
    "lop3",
    "bfe",
    "bfi",
    "neg",
    "abs",
    "prefetch",
    "prefetchu",
    "griddepcontrol",
    "tensormap",
];

/// Identifiers that are rejected wherever they appear in code, with their rule.
const DENIED: &[(&str, &[&str])] = &[
    (
        "files",
        &[
            "fopen",
            "fopen64",
            "freopen",
            "fclose",
            "fread",
            "fwrite",
            "fprintf",
            "fscanf",
            "fputs",
            "fgets",
            "fputc",
            "fgetc",
            "fflush",
            "fseek",
            "ftell",
            "tmpfile",
            "tmpnam",
            "remove",
            "rename",
            "unlink",
            "open",
            "openat",
            "creat",
            "close",
            "read",
            "write",
            "lseek",
            "mmap",
            "munmap",
            "mprotect",
            "ioctl",
            "fcntl",
            "stat",
            "lstat",
            "fstat",
            "opendir",
            "readdir",
            "mkdir",
            "rmdir",
            "chdir",
            "chmod",
            "chown",
            "truncate",
            "ifstream",
            "ofstream",
            "fstream",
            "filebuf",
            "FILE",
            "filesystem",
            "CreateFile",
            "CreateFileA",
            "CreateFileW",
        ],
    ),
    (
        "processes",
        &[
            "system",
            "popen",
            "pclose",
            "fork",
            "vfork",
            "clone",
            "execl",
            "execlp",
            "execle",
            "execv",
            "execvp",
            "execvpe",
            "execve",
            "posix_spawn",
            "posix_spawnp",
            "kill",
            "raise",
            "signal",
            "sigaction",
            "exit",
            "_exit",
            "_Exit",
            "abort",
            "atexit",
            "quick_exit",
            "at_quick_exit",
            "ptrace",
            "CreateProcess",
            "CreateProcessA",
            "CreateProcessW",
            "ShellExecute",
            "ShellExecuteA",
            "ShellExecuteW",
            "WinExec",
            "thread",
            "pthread_create",
        ],
    ),
    (
        "network",
        &[
            "socket",
            "connect",
            "bind",
            "listen",
            "accept",
            "send",
            "recv",
            "sendto",
            "recvfrom",
            "sendmsg",
            "recvmsg",
            "getaddrinfo",
            "gethostbyname",
            "inet_addr",
            "inet_pton",
            "WSAStartup",
        ],
    ),
    (
        "environment",
        &[
            "getenv",
            "secure_getenv",
            "setenv",
            "putenv",
            "unsetenv",
            "clearenv",
            "environ",
            "_environ",
            "GetEnvironmentVariable",
            "GetEnvironmentVariableA",
            "GetEnvironmentVariableW",
        ],
    ),
    (
        "dynamic-loading",
        &[
            "dlopen",
            "dlsym",
            "dlclose",
            "dlmopen",
            "LoadLibrary",
            "LoadLibraryA",
            "LoadLibraryW",
            "LoadLibraryEx",
            "GetProcAddress",
            "syscall",
            "cuModuleLoad",
            "cuModuleLoadData",
            "cuLibraryLoadData",
            "cudaLibraryLoadData",
        ],
    ),
    (
        "console-io",
        &[
            "printf", "puts", "putchar", "scanf", "sscanf", "sprintf", "snprintf", "vprintf",
            "perror", "cout", "cerr", "clog", "cin", "iostream", "getchar", "gets",
        ],
    ),
    (
        "allocation",
        &[
            "malloc",
            "calloc",
            "realloc",
            "free",
            "aligned_alloc",
            "posix_memalign",
            "memalign",
            "valloc",
            "new",
            "delete",
            "cudaMalloc",
            "cudaMallocAsync",
            "cudaMallocManaged",
            "cudaMallocHost",
            "cudaMallocPitch",
            "cudaMalloc3D",
            "cudaMallocArray",
            "cudaHostAlloc",
            "cudaFree",
            "cudaFreeAsync",
            "cudaFreeHost",
            "cudaFreeArray",
            "cudaDeviceSetLimit",
            "cudaMallocFromPoolAsync",
        ],
    ),
    (
        "host-code",
        &[
            "__attribute__",
            "constructor",
            "destructor",
            "init_priority",
            "main",
        ],
    ),
];

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule's name (see the module docs).
    pub rule: &'static str,
    /// 1-based line in the file.
    pub line: usize,
    /// What was found and what to do instead.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: [{}] {}", self.line, self.rule, self.message)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    Other,
}

struct Lexed {
    toks: Vec<(Tok, usize)>,
    directives: Vec<(String, usize)>,
}

/// Splits C++ source into tokens (comments dropped, string literals kept as one token) and
/// preprocessor directives (one per logical line).
fn lex(src: &str) -> Lexed {
    let c: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut directives = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let mut at_line_start = true;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            at_line_start = true;
            i += 1;
            continue;
        }
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                if c[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if ch == '#' && at_line_start {
            // A directive: up to the end of the line, following backslash continuations.
            let start_line = line;
            let mut text = String::new();
            i += 1;
            while i < c.len() && c[i] != '\n' {
                if c[i] == '\\' && c.get(i + 1) == Some(&'\n') {
                    line += 1;
                    i += 2;
                    text.push(' ');
                    continue;
                }
                if c[i] == '/' && c.get(i + 1) == Some(&'/') {
                    while i < c.len() && c[i] != '\n' {
                        i += 1;
                    }
                    break;
                }
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    i += 2;
                    while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                    i += 2;
                    text.push(' ');
                    continue;
                }
                text.push(c[i]);
                i += 1;
            }
            directives.push((text.trim().to_string(), start_line));
            continue;
        }
        at_line_start = false;
        // Raw string literal R"delim( ... )delim" (with an optional encoding prefix).
        if ch == 'R' && c.get(i + 1) == Some(&'"') {
            let open_end = c[i + 2..].iter().position(|&x| x == '(');
            if let Some(p) = open_end {
                let delim: String = c[i + 2..i + 2 + p].iter().collect();
                let close: Vec<char> = format!("){delim}\"").chars().collect();
                let body_start = i + 3 + p;
                let mut j = body_start;
                while j < c.len() && c[j..].iter().take(close.len()).ne(close.iter()) {
                    j += 1;
                }
                let body: String = c[body_start..j.min(c.len())].iter().collect();
                line += body.matches('\n').count();
                toks.push((Tok::Str(body), line));
                i = (j + close.len()).min(c.len());
                continue;
            }
        }
        if ch == '"' || ch == '\'' {
            let quote = ch;
            let mut s = String::new();
            i += 1;
            while i < c.len() && c[i] != quote && c[i] != '\n' {
                if c[i] == '\\' && i + 1 < c.len() {
                    s.push(match c[i + 1] {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                s.push(c[i]);
                i += 1;
            }
            i += 1;
            toks.push((
                if quote == '"' {
                    Tok::Str(s)
                } else {
                    Tok::Other
                },
                line,
            ));
            continue;
        }
        if ch.is_alphabetic() || ch == '_' {
            let mut s = String::new();
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                s.push(c[i]);
                i += 1;
            }
            toks.push((Tok::Ident(s), line));
            continue;
        }
        if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '.' || c[i] == '\'') {
                i += 1;
            }
            toks.push((Tok::Other, line));
            continue;
        }
        toks.push((Tok::Punct(ch), line));
        i += 1;
    }
    Lexed { toks, directives }
}

/// Lints one generated file. `launch_symbol` is the one function allowed to run on the host.
/// Every violation is returned, in line order.
pub fn lint(source: &str, launch_symbol: &str) -> Vec<Violation> {
    let lexed = lex(source);
    let mut out = Vec::new();
    directives(&lexed.directives, &mut out);
    denied(&lexed.toks, &mut out);
    inline_asm(&lexed.toks, &mut out);
    host_code(&lexed.toks, launch_symbol, &mut out);
    out.sort_by_key(|v| v.line);
    out
}

/// The violations as the feedback the model gets: one per line, each naming its rule.
pub fn render(file: &str, violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{file}:{v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn directives(dirs: &[(String, usize)], out: &mut Vec<Violation>) {
    for (text, line) in dirs {
        let name: String = text
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let rest = text[name.len()..].trim();
        let v = |rule, message: String| Violation {
            rule,
            line: *line,
            message,
        };
        match name.as_str() {
            "include" => {
                if let Some(why) = include_problem(rest) {
                    out.push(v("include-allowlist", why));
                }
            }
            "include_next" | "import" | "embed" => out.push(v(
                "include-allowlist",
                format!("`#{name}` is not allowed; use `#include` of an allowed header"),
            )),
            "pragma" => {
                let what = rest.split_whitespace().next().unwrap_or("");
                if !matches!(what, "unroll" | "nounroll" | "once") {
                    out.push(v(
                        "pragma",
                        format!(
                            "`#pragma {rest}` is not allowed (only `#pragma unroll`, `nounroll` \
                             and `once`)"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
}

fn include_problem(arg: &str) -> Option<String> {
    let (path, angle) = if let Some(p) = arg.strip_prefix('<').and_then(|r| r.split_once('>')) {
        (p.0.trim(), true)
    } else if let Some(p) = arg.strip_prefix('"').and_then(|r| r.split_once('"')) {
        (p.0.trim(), false)
    } else {
        return Some(format!(
            "`#include {arg}`: only a literal <header> or \"header\" may be included"
        ));
    };
    if path.split(['/', '\\']).any(|p| p == "..") || path.starts_with('/') || path.contains(':') {
        return Some(format!(
            "`#include {arg}`: paths may not climb out or be absolute"
        ));
    }
    let allowed = if angle {
        ANGLE_INCLUDES.contains(&path)
            || ["cute/", "cutlass/", "cuda/", "cooperative_groups/"]
                .iter()
                .any(|p| path.starts_with(p))
    } else {
        path == "kernel.h" || path.starts_with("qimeng/")
    };
    (!allowed).then(|| {
        format!(
            "`#include {arg}` is outside the allowlist: CUDA headers (<cuda_runtime.h>, \
             <cuda_fp16.h>, <cuda_bf16.h>, <mma.h>, <cuda/...>, ...), <cute/...>, \
             <cutlass/...>, \"qimeng/...\" and \"kernel.h\""
        )
    })
}

fn denied(toks: &[(Tok, usize)], out: &mut Vec<Violation>) {
    for (i, (t, line)) in toks.iter().enumerate() {
        let Tok::Ident(name) = t else { continue };
        // `x.read`, `p->write`, `s.send`: a member of our own object, not the libc function.
        let member = i > 0
            && (matches!(toks[i - 1].0, Tok::Punct('.'))
                || (i > 1
                    && matches!(toks[i - 1].0, Tok::Punct('>'))
                    && matches!(toks[i - 2].0, Tok::Punct('-'))));
        if member {
            continue;
        }
        for (rule, names) in DENIED {
            if names.contains(&name.as_str()) {
                out.push(Violation {
                    rule,
                    line: *line,
                    message: format!(
                        "`{name}` is not allowed in a kernel ({})",
                        match *rule {
                            "allocation" =>
                                "no memory allocation: use registers, static or \
                                              dynamic shared memory, and the buffers of the \
                                              launch arguments",
                            "host-code" =>
                                "no code may run on the host outside the launch \
                                             function",
                            "console-io" => "no printing or reading",
                            _ => "a kernel reaches nothing outside the GPU",
                        }
                    ),
                });
            }
        }
    }
}

fn inline_asm(toks: &[(Tok, usize)], out: &mut Vec<Violation>) {
    let mut i = 0;
    while i < toks.len() {
        let is_asm =
            matches!(&toks[i].0, Tok::Ident(n) if n == "asm" || n == "__asm__" || n == "__asm");
        if !is_asm {
            i += 1;
            continue;
        }
        let line = toks[i].1;
        let mut j = i + 1;
        while matches!(&toks.get(j).map(|t| &t.0), Some(Tok::Ident(n)) if n == "volatile" || n == "__volatile__" || n == "goto" || n == "inline")
        {
            j += 1;
        }
        if toks.get(j).map(|t| &t.0) != Some(&Tok::Punct('(')) {
            i = j;
            continue;
        }
        j += 1;
        let mut text = String::new();
        let mut literal_only = true;
        while let Some((t, _)) = toks.get(j) {
            match t {
                Tok::Str(s) => text.push_str(s),
                Tok::Punct(':') | Tok::Punct(')') => break,
                _ => literal_only = false,
            }
            j += 1;
        }
        if !literal_only {
            out.push(Violation {
                rule: "inline-asm",
                line,
                message: "the instruction text of `asm` must be string literals only".into(),
            });
        }
        for insn in text.split([';', '\n']) {
            let mut s = insn.trim();
            // Braces open/close a scope, `.reg`/`.pred` declare registers, `L1:` is a label.
            s = s.trim_start_matches(['{', '}']).trim();
            if s.is_empty() || s.starts_with('.') || s.starts_with("//") {
                continue;
            }
            if let Some((label, rest)) = s.split_once(':')
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            {
                s = rest.trim();
                if s.is_empty() {
                    continue;
                }
            }
            if s.starts_with('@') {
                s = s
                    .split_once(char::is_whitespace)
                    .map(|x| x.1)
                    .unwrap_or("")
                    .trim();
            }
            let opcode = s.split_whitespace().next().unwrap_or("");
            let base = opcode.split('.').next().unwrap_or("");
            if base.is_empty() || base.starts_with('}') {
                continue;
            }
            if !PTX_ALLOWLIST.contains(&base) {
                out.push(Violation {
                    rule: "inline-asm",
                    line,
                    message: format!(
                        "PTX instruction `{opcode}` is not in the allowlist (mma, wgmma, \
                         ldmatrix, stmatrix, cp, ld, st, cvt, ex2, bar, mbarrier, fence, \
                         setmaxnreg, shfl, mov, arithmetic, ...)"
                    ),
                });
            }
        }
        i = j;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    Namespace,
    Class,
    Function,
    Other,
}

/// Whether `source` defines (not only declares) the function `name` on the host.
pub fn defines_function(source: &str, name: &str) -> bool {
    host_code(&lex(source).toks, name, &mut Vec::new())
}

/// Reports host functions other than `launch`; returns whether `launch` is defined.
fn host_code(toks: &[(Tok, usize)], launch: &str, out: &mut Vec<Violation>) -> bool {
    let mut defined = false;
    let mut stack: Vec<Scope> = Vec::new();
    let mut head: Vec<usize> = Vec::new(); // token indices of the current declaration
    let mut depth_in_fn = 0usize;
    for (i, (t, _)) in toks.iter().enumerate() {
        if depth_in_fn > 0 {
            match t {
                Tok::Punct('{') => depth_in_fn += 1,
                Tok::Punct('}') => {
                    depth_in_fn -= 1;
                    if depth_in_fn == 0 {
                        stack.pop();
                        head.clear();
                    }
                }
                _ => {}
            }
            continue;
        }
        match t {
            Tok::Punct('{') => {
                let kind = classify(toks, &head);
                if kind == Scope::Function {
                    defined |= check_function(toks, &head, launch, out);
                    depth_in_fn = 1;
                }
                stack.push(kind);
                if kind != Scope::Other {
                    head.clear();
                }
            }
            Tok::Punct('}') => {
                if stack.pop() != Some(Scope::Other) {
                    head.clear();
                }
            }
            Tok::Punct(';') => head.clear(),
            _ => {
                if stack.last() == Some(&Scope::Other) {
                    continue; // inside an initializer: part of the enclosing declaration
                }
                // `public:` and friends end a declaration in a class.
                if matches!(t, Tok::Punct(':'))
                    && head.len() == 1
                    && matches!(&toks[head[0]].0, Tok::Ident(n) if n == "public" || n == "private" || n == "protected")
                {
                    head.clear();
                    continue;
                }
                head.push(i);
            }
        }
    }
    defined
}

/// The declaration head without its `template <...>` parameter lists.
fn strip_templates<'t>(toks: &'t [(Tok, usize)], head: &[usize]) -> Vec<&'t Tok> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < head.len() {
        let t = &toks[head[k]].0;
        if matches!(t, Tok::Ident(n) if n == "template")
            && toks
                .get(head.get(k + 1).copied().unwrap_or(usize::MAX))
                .map(|x| &x.0)
                == Some(&Tok::Punct('<'))
        {
            let mut depth = 0i32;
            k += 1;
            while k < head.len() {
                match &toks[head[k]].0 {
                    Tok::Punct('<') => depth += 1,
                    Tok::Punct('>') => {
                        depth -= 1;
                        if depth == 0 {
                            k += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            continue;
        }
        out.push(t);
        k += 1;
    }
    out
}

fn classify(toks: &[(Tok, usize)], head: &[usize]) -> Scope {
    let h = strip_templates(toks, head);
    let ident = |t: &Tok, s: &str| matches!(t, Tok::Ident(n) if n == s);
    if h.first().is_some_and(|t| ident(t, "namespace"))
        || (h.len() == 2 && ident(h[0], "extern") && matches!(h[1], Tok::Str(_)))
    {
        return Scope::Namespace;
    }
    let first_paren = h.iter().position(|t| matches!(t, Tok::Punct('(')));
    let class_key = h.iter().position(|t| {
        ["struct", "class", "union", "enum"]
            .iter()
            .any(|k| ident(t, k))
    });
    match (class_key, first_paren) {
        (Some(c), Some(p)) if c < p => Scope::Class,
        (Some(_), None) => Scope::Class,
        (_, Some(_)) => Scope::Function,
        (None, None) => Scope::Other,
    }
}

/// Reports `head` if it defines a host function other than `launch`; true if it is `launch`.
fn check_function(
    toks: &[(Tok, usize)],
    head: &[usize],
    launch: &str,
    out: &mut Vec<Violation>,
) -> bool {
    let h = strip_templates(toks, head);
    let ident = |t: &Tok, s: &str| matches!(t, Tok::Ident(n) if n == s);
    if h.iter().any(|t| {
        ident(t, "__device__")
            || ident(t, "__global__")
            || ident(t, "constexpr")
            || ident(t, "consteval")
    }) {
        return false;
    }
    // The name: the identifier before the first `(` that is not an attribute's.
    let mut name = None;
    for (k, t) in h.iter().enumerate() {
        if matches!(t, Tok::Punct('(')) && k > 0 {
            if let Tok::Ident(n) = h[k - 1]
                && !n.starts_with("__")
                && n != "alignas"
            {
                name = Some(n.clone());
                break;
            }
            if !matches!(h[k - 1], Tok::Ident(_)) {
                break;
            }
        }
    }
    if name.as_deref() == Some(launch) {
        return true;
    }
    let line = head.first().map(|&k| toks[k].1).unwrap_or(0);
    out.push(Violation {
        rule: "host-code",
        line,
        message: match name {
            Some(n) => format!(
                "`{n}` is a host function; the only host code allowed is the launch function \
                 `{launch}`: make helpers `__device__` (or `constexpr`)"
            ),
            None => format!(
                "a function or lambda defined here runs on the host; the only host code allowed \
                 is the launch function `{launch}`"
            ),
        },
    });
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYM: &str = "qimeng_fwd_t4_f16_d64_full";

    fn rules(src: &str) -> Vec<&'static str> {
        lint(src, SYM).into_iter().map(|v| v.rule).collect()
    }

    /// A kernel in the style of the curated entries: clean.
    const CLEAN: &str = r#"
#include "kernel.h"
#include "qimeng/fa2_fwd.cuh"
#include <cuda_bf16.h>
#include <cute/tensor.hpp>
#pragma once
namespace {
struct Spec {
    static constexpr int kBlockM = 64;  // "quoted fopen" in a comment: fine
    static constexpr const char* kName = "system(rm)";
};
template <class T> __device__ __forceinline__ float f(T x) {
    float y; asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y;
}
__device__ void g() { asm("" ::: "memory"); asm volatile("{\n .reg .b32 t;\n mov.b32 t, 0;\n @p bar.sync 0;\n}\n"); }
constexpr int smem(int d) { return d * 2; }
}  // namespace
QIMENG_EXTERN_C int qimeng_fwd_t4_f16_d64_full(const QimengAttnArgs* args, void* stream) {
    auto l = [&](int x) { return x + 1; };
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
"#;

    #[test]
    fn a_curated_style_kernel_is_clean() {
        assert_eq!(lint(CLEAN, SYM), vec![]);
    }

    #[test]
    fn every_curated_entry_is_clean() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../kernels-cache");
        for e in std::fs::read_dir(root).unwrap() {
            let dir = e.unwrap().path();
            let Some(spec) = dir
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(qimeng_spec::Spec::from_key)
            else {
                continue;
            };
            for f in ["kernel.cu", "kernel.h"] {
                let src = std::fs::read_to_string(dir.join(f)).unwrap();
                assert_eq!(lint(&src, &spec.symbol()), vec![], "{}", dir.display());
            }
        }
    }

    #[test]
    fn include_outside_the_allowlist() {
        assert_eq!(rules("#include <stdio.h>\n"), ["include-allowlist"]);
        assert_eq!(
            rules("#include \"../../etc/passwd\"\n"),
            ["include-allowlist"]
        );
        assert_eq!(rules("#include \"/etc/passwd\"\n"), ["include-allowlist"]);
        assert_eq!(rules("#include HEADER\n"), ["include-allowlist"]);
        assert_eq!(
            rules("#include_next <cuda_fp16.h>\n"),
            ["include-allowlist"]
        );
        assert_eq!(rules("#embed \"/dev/urandom\"\n"), ["include-allowlist"]);
        assert_eq!(rules("  #  include <fstream>\n"), ["include-allowlist"]);
    }

    #[test]
    fn pragma_outside_the_allowlist() {
        assert_eq!(rules("#pragma comment(lib, \"x\")\n"), ["pragma"]);
        assert_eq!(
            rules("#pragma unroll 4\n#pragma once\n"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn host_code_beyond_the_launch_function() {
        assert_eq!(rules("int helper(int x) { return x; }\n"), ["host-code"]);
        assert_eq!(
            rules("int main() { return 0; }\n"),
            ["host-code", "host-code"]
        );
        assert_eq!(
            rules("static auto init = []() { return 1; }();\n"),
            ["host-code"]
        );
        assert_eq!(
            rules("struct S { S() { } };\nstruct S2 { int f() { return 1; } };\n"),
            ["host-code", "host-code"]
        );
        assert_eq!(
            rules("__attribute__((constructor)) void at_load() {}\n"),
            ["host-code", "host-code", "host-code"]
        );
        // Device, global and constexpr functions, and the launch function itself, are fine.
        assert!(rules("__global__ void __launch_bounds__(128) k(int* p) { }\n").is_empty());
        assert!(
            rules("namespace a { namespace b { __host__ __device__ int f() { return 0; } } }\n")
                .is_empty()
        );
    }

    #[test]
    fn files_processes_network_environment() {
        assert_eq!(
            rules("__device__ void f() { FILE* x = fopen(\"a\", \"r\"); }\n"),
            ["files", "files"]
        );
        assert_eq!(
            rules("__device__ void f() { std::ifstream s; }\n"),
            ["files"]
        );
        assert_eq!(
            rules("__device__ void f() { system(\"rm -rf /\"); }\n"),
            ["processes"]
        );
        assert_eq!(
            rules("__device__ void f() { socket(2, 1, 0); }\n"),
            ["network"]
        );
        assert_eq!(
            rules("__device__ void f() { getenv(\"HOME\"); }\n"),
            ["environment"]
        );
        assert_eq!(
            rules("__device__ void f() { dlopen(0, 0); }\n"),
            ["dynamic-loading"]
        );
        assert_eq!(
            rules("__device__ void f() { printf(\"%d\", 1); }\n"),
            ["console-io"]
        );
        // A member named like a libc function is ours, not libc's.
        assert!(rules("__device__ void f(S s) { s.read(); p->write(); }\n").is_empty());
    }

    #[test]
    fn device_allocation() {
        assert_eq!(
            rules("__device__ void f() { void* p = malloc(16); free(p); }\n"),
            ["allocation", "allocation"]
        );
        assert_eq!(
            rules("__device__ void f() { int* p = new int[4]; delete[] p; }\n"),
            ["allocation", "allocation"]
        );
        assert_eq!(
            rules(&format!(
                "int {SYM}(const QimengAttnArgs* a, void* s) {{ void* p; cudaMalloc(&p, 4); return 0; }}\n"
            )),
            ["allocation"]
        );
    }

    #[test]
    fn inline_asm_outside_the_allowlist() {
        assert_eq!(
            rules("__device__ void f() { asm volatile(\"trap;\"); }\n"),
            ["inline-asm"]
        );
        assert_eq!(
            rules(
                "__device__ void f() { asm(\"mov.u32 %0, 1;\\n\" \"call.uni foo, ();\" : \"=r\"(x)); }\n"
            ),
            ["inline-asm"]
        );
        assert_eq!(
            rules("__device__ void f() { __asm__(S); }\n"),
            ["inline-asm"]
        );
        let v = lint(
            "__device__ void f() { asm(\"atom.global.add.u32 %0, [%1], 1;\"); }\n",
            SYM,
        );
        assert!(v[0].message.contains("`atom.global.add.u32`"), "{v:?}");
        assert!(rules("__device__ void f() { asm volatile(\"cp.async.cg.shared.global [%0], [%1], 16;\\n\" :: \"r\"(a), \"l\"(b)); }\n").is_empty());
    }

    #[test]
    fn feedback_names_the_rule_and_line() {
        let text = render("kernel.cu", &lint("\n#include <stdio.h>\n", SYM));
        assert!(
            text.starts_with("kernel.cu:line 2: [include-allowlist]"),
            "{text}"
        );
    }
}
