"""Walk one path through a kernel's SASS and count it (hvar9's check of the softcap hot path).

    python3 hotpath.py FUNC.txt START TAKEN END

FUNC.txt: one function of `cuobjdump -sass`, one instruction a line as `ADDR INSTRUCTION`
(hex address, no comments or encodings); START: the loop head's address; TAKEN: comma-separated
addresses of the conditional branches the path takes (every other one falls through; an
unconditional BRA is always taken); END: the loop's back branch. Prints the instructions,
branches and taken branches on the path and writes the path to FUNC.txt.path.
"""
import sys

rows = [line.split(None, 1) for line in open(sys.argv[1])]
addr = [int(a, 16) for a, _ in rows]
ins = [i.strip() for _, i in rows]
at = {a: i for i, a in enumerate(addr)}
taken = {int(x, 16) for x in sys.argv[3].split(",")}
end = int(sys.argv[4], 16)
path, i, branches, jumps = [], at[int(sys.argv[2], 16)], 0, 0
while True:
    s = ins[i]
    path.append(s)
    if "BRA" in s:
        branches += 1
        if addr[i] in taken or s.split()[0].startswith("BRA"):
            jumps += 1
            if addr[i] == end:
                break
            i = at[int(s.split("0x")[-1], 16)]
            continue
    i += 1
print(sys.argv[1], "hot path", len(path), "branches", branches, "taken", jumps)
open(sys.argv[1] + ".path", "w").write("\n".join(path) + "\n")
