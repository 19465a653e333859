#!/usr/bin/env python3
"""Draws docs/hopper-timeline.svg: the schedule of the Hopper kernel family (fa3_fwd.cuh) as a
timeline of one CTA, three lanes (producer warpgroup, consumer warpgroups 1 and 2), a few key
blocks. Schematic: lengths are proportional to the per-step work at d128, BN 128 (one GEMM
batch ~ 1.0, softmax ~ 0.8 units), not measured. No dependencies beyond Python 3."""
import pathlib

U = 60  # pixels per unit
LANES = ["producer WG0 (TMA, 24 regs)", "consumer WG1 (240 regs)", "consumer WG2 (240 regs)"]
COLORS = {"load": "#9ecae1", "qk": "#fd8d3c", "pv": "#e6550d", "sm": "#74c476", "wait": "#eeeeee"}
GEMM, SOFT = 1.0, 0.8


def schedule(steps=4):
    """(lane, start, length, kind, label) boxes. Tensor cores are taken in turns: WG1 issues
    S_j = Q K_j^T and O += P_{j-1} V_{j-1}, then WG2 does; each runs softmax(S_j) while the other
    warpgroup's GEMMs (and its own P V) run."""
    boxes = []
    t = 0.0
    for j in range(steps + 1):  # producer: K_j, V_j into the ring, ahead of the consumers
        boxes.append((0, t, 0.45, "load", f"K{j}"))
        boxes.append((0, t + 0.5, 0.45, "load", f"V{j}"))
        t += 1.0 if j else 1.2
    tc = 1.0  # the tensor cores are free from here
    ready = [1.0, 1.0]
    for j in range(steps):
        for w in (0, 1):
            start = max(tc, ready[w])
            label = f"S{j}" if j == 0 else f"S{j}+PV{j-1}"
            length = GEMM * (0.5 if j == 0 else 1.0)
            boxes.append((1 + w, start, length, "qk" if j == 0 else "pv", label))
            tc = start + length
            boxes.append((1 + w, tc, SOFT, "sm", f"softmax {j}"))
            ready[w] = tc + SOFT
    for w in (0, 1):
        start = max(tc, ready[w])
        boxes.append((1 + w, start, 0.5 * GEMM, "pv", f"PV{steps-1}"))
        tc = start + 0.5 * GEMM
    return boxes


def main():
    boxes = schedule()
    width = int(max(s + l for _, s, l, _, _ in boxes) * U) + 260
    h = 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h * 3 + 90}" '
             'font-family="sans-serif" font-size="11">',
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="10" y="18" font-size="13">qimeng fa3_fwd.cuh: one CTA, 128 query rows '
             '(schematic; time runs right)</text>']
    for i, name in enumerate(LANES):
        y = 30 + i * h
        parts.append(f'<text x="10" y="{y + 26}">{name}</text>')
        parts.append(f'<line x1="230" y1="{y + h - 5}" x2="{width - 10}" y2="{y + h - 5}" stroke="#ccc"/>')
    for lane, s, l, kind, label in boxes:
        x, y = 230 + s * U, 34 + lane * h
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{l * U - 2:.1f}" height="{h - 14}" '
                     f'fill="{COLORS[kind]}" stroke="#555"/>')
        parts.append(f'<text x="{x + 3:.1f}" y="{y + 22}">{label}</text>')
    ly = 30 + 3 * h + 20
    legend = [("load", "TMA load -> full mbarrier"), ("qk", "wgmma S = Q K^T"),
              ("pv", "wgmma batch (S_j and O += P_{j-1} V_{j-1})"), ("sm", "online softmax (overlaps the other WG's GEMMs)")]
    x = 10
    for kind, text in legend:
        parts.append(f'<rect x="{x}" y="{ly}" width="14" height="14" fill="{COLORS[kind]}" stroke="#555"/>')
        parts.append(f'<text x="{x + 18}" y="{ly + 11}">{text}</text>')
        x += 40 + 6 * len(text)
    parts.append("</svg>")
    out = pathlib.Path(__file__).resolve().parent / "hopper-timeline.svg"
    out.write_text("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
