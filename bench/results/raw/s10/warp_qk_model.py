"""Session 10's review (helper, no GPU): a model of fa3_fwd.cuh's fa3_warp_qk, the per-warp S
recompute of kSpecExp's rare path. Q and K tiles are laid out as the TMA's 128-byte swizzle
writes them (boxes of 64 columns; 16-byte chunk c of tile row r at c ^ (r % 8), which is the
kernel's `c ^ (address bits 7..9)` because every tile starts 1024-byte aligned); ldmatrix.x4
and mma.sync m16n8k16 are emulated fragment by fragment with the kernel's lane addressing, and
the result, read at the wgmma accumulator positions (element 4 c + e of lane 4 g + t is row
16 w + g + 8 (e / 2), column 8 c + 2 t + e % 2), must equal Q K^T exactly (small integers).

    python3 bench/results/raw/s10/warp_qk_model.py   # max error per case (numpy); exit 1 on any

Without the XOR the same cases give errors of 312-588 (checked).
"""
import sys

import numpy as np
def run(D, BN, BM, nwg, qslot, st, warp_in_wg, wg):
    rng=np.random.default_rng(1)
    Q=rng.integers(-4,5,size=(BM,D)).astype(np.float64)
    K=rng.integers(-4,5,size=(BN,D)).astype(np.float64)
    kTileQ=BM*D*2; kTileKV=BN*D*2
    QST=2; KST=3
    offK=QST*kTileQ
    mem={}
    def store(base,rows,M):
        for r in range(rows):
            for k in range(D):
                b=k//64; kc=k%64
                a=base+b*rows*128+r*128+(((kc*2)//16)^(r%8))*16+(kc*2)%16
                mem[a]=M[r,k]
    for s in range(QST): store(s*kTileQ,BM,Q)
    for s in range(KST): store(offK+s*kTileKV,BN,K)
    def ldsm(addrs):
        # addrs: 32 row addresses; returns regs[lane][i] = (e0,e1)
        out=[[None]*4 for _ in range(32)]
        for i in range(4):
            for l in range(32):
                row=addrs[8*i+l//4]
                c=2*(l%4)
                out[l][i]=(mem[row+2*c],mem[row+2*c+2])
        return out
    def swz(row,chunk): return row+((chunk^((row>>7)&7))<<4)
    q_addr=0+64*wg*128
    q_rows=q_addr+qslot*kTileQ+warp_in_wg*16*128
    k_tile=offK+st*kTileKV
    s=np.zeros((32,BN//2))
    for kk in range(D//16):
        box=kk//4; ch=2*(kk%4)
        a=ldsm([swz(q_rows+box*BM*128+(l&15)*128,ch+(l>>4)) for l in range(32)])
        for nn in range(BN//16):
            b=ldsm([swz(k_tile+box*BN*128+(16*nn+(l&7)+8*(l>>4))*128,ch+((l>>3)&1)) for l in range(32)])
            for half,(bi0,bi1) in enumerate([(0,1),(2,3)]):
                # emulate mma: build A (16x16), B (16x8) from fragments
                A=np.zeros((16,16)); B=np.zeros((16,8))
                for l in range(32):
                    g,t=l//4,l%4
                    A[g,2*t:2*t+2]=a[l][0]; A[g+8,2*t:2*t+2]=a[l][1]
                    A[g,2*t+8:2*t+10]=a[l][2]; A[g+8,2*t+8:2*t+10]=a[l][3]
                    B[2*t:2*t+2,g]=b[l][bi0]; B[2*t+8:2*t+10,g]=b[l][bi1]
                C=A@B
                for l in range(32):
                    g,t=l//4,l%4
                    base=8*nn+4*half
                    s[l,base+0]+=C[g,2*t]; s[l,base+1]+=C[g,2*t+1]
                    s[l,base+2]+=C[g+8,2*t]; s[l,base+3]+=C[g+8,2*t+1]
    S=Q@K.T
    err=0
    for l in range(32):
        g,t=l//4,l%4
        for c in range(BN//8):
            for e in range(4):
                row=64*wg+16*warp_in_wg+g+8*(e//2); col=8*c+2*t+e%2
                err=max(err,abs(s[l,4*c+e]-S[row,col]))
    return err
bad = 0
# (head_dim, BN, BM, consumer warpgroups, Q slot, K stage, warp in its warpgroup, warpgroup)
for args in [(128, 128, 128, 2, 1, 2, 3, 1), (64, 128, 192, 3, 0, 1, 2, 2),
             (256, 64, 128, 2, 1, 0, 1, 0), (256, 128, 128, 2, 1, 0, 1, 0),
             (192, 128, 128, 2, 0, 2, 0, 1)]:
    err = run(*args)
    print(args, err)
    bad |= err != 0
sys.exit(1 if bad else 0)
