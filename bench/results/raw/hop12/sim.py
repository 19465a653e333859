exec(open('/tmp/hop12_sim.py').read().split('cells=[]')[0])
def rule(n,m,G,x):
    R=-(-n//G)
    if (2*G)%m or R<x: return snake(n,m,G)
    K0=((R-x)//2)*2
    S=K0*G
    return tailS(n,m,G,S)
def tailS(n,m,G,S):
    T=n-S; P=T//m
    def f(k,b):
        p=k*G+((G-1-b) if k&1 else b)
        if p<S or p>=n: return p
        u=p-S; return S+(u%P)*m+u//P
    return f
cells=[]
for d,heads in ((64,32),(128,16)):
    for s in (512,1024,2048,4096,8192):
        cells.append((d,s,(s//128)*heads*(16384//s),s//128))
import random
random.seed(1)
odd=[("odd",m*hb,m) for m,hb in ((4,33),(4,1000),(8,77),(2,31),(4,37),(8,500),(1,500),(4,5000),(8,3000),(2,999))]
for c0 in (0.5,1.0):
  print("c0",c0)
  for cell in cells+odd:
    n,m=cell[-2],cell[-1]; G=min(132,n)
    ideal=(n*(m+1)/2+n*c0)/G
    row=[]
    for name,f in [("snake",snake(n,m,G))]+[(f"x{x}",rule(n,m,G,x)) for x in (1,2,3,4,5,6)]:
        check(n,G,f); ld,_=loads(n,m,G,f,c0); row.append(f"{name}={max(ld)/ideal:.4f}")
    print(cell,f"R={n/G:.2f}"," ".join(row))
