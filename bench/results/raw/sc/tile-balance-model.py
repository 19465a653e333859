# window tile-order model: per-SM cost = sum(c0 + blocks) of its tiles; makespan / mean
import itertools
G=132
def tiles_w1024(m_blocks=64, heads=32):
    # causal w1024_0, BM=128, BN=128: tile m sees blocks max(0,m-8)..m
    return [[min(m+1,9) for m in range(m_blocks)] for _ in range(heads)]
def tiles_w256(m_blocks=64, heads=32, S=8192):
    out=[]
    for h in range(heads):
        row=[]
        for m in range(m_blocks):
            lo=max(0,m*128-256)//128; hi=min(S-1,m*128+127+256)//128
            row.append(hi-lo+1)
        out.append(row)
    return out
def order_current(T, causal=True):
    # causal: per head, query blocks longest first (m descending); rounds alternate
    flat=[]
    for h in T:
        ms=list(range(len(h)))[::-1] if causal else list(range(len(h)))
        flat += [h[m] for m in ms]
    n=len(flat); loads=[0.0]*G; cnt=[0]*G
    k=0
    while True:
        any_=False
        for b in range(G):
            p=k*G+((G-1-b) if (causal and k&1) else b)
            if p<n: loads[b]+=c0+flat[p]; cnt[b]+=1; any_=True
        if not any_: break
        k+=1
    return loads
def order_lpt(T):
    import heapq
    flat=sorted([x for h in T for x in h], reverse=True)
    hp=[(0.0,b) for b in range(G)]
    for x in flat:
        l,b=heapq.heappop(hp); heapq.heappush(hp,(l+c0+x,b))
    return [l for l,b in hp]
def order_shortlast(T, causal=True):
    # full tiles in current order first, then short ones longest first, dealt round robin continuing
    flat=[]
    for h in T:
        ms=list(range(len(h)))[::-1] if causal else list(range(len(h)))
        flat += [h[m] for m in ms]
    mx=max(flat)
    full=[x for x in flat if x==mx]; short=sorted([x for x in flat if x<mx], reverse=True)
    seq=full+short; n=len(seq); loads=[0.0]*G
    k=0
    while k*G<n:
        for b in range(G):
            p=k*G+((G-1-b) if (k&1) else b)
            if p<n: loads[b]+=c0+seq[p]
        k+=1
    return loads
for c0 in (1.0,2.0):
  for name,T,causal in (("w1024_0",tiles_w1024(),True),("w256_256",tiles_w256(),False)):
    tot=sum(c0+x for h in T for x in h); mean=tot/G
    for oname,f in (("current",lambda: order_current(T,causal)),("lpt",lambda: order_lpt(T)),("shortlast",lambda: order_shortlast(T,causal))):
        L=f(); print(f"c0={c0} {name} {oname}: makespan/mean {max(L)/mean:.4f}")
