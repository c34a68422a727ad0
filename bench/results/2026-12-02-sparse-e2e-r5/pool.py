import re,glob,statistics,sys
for v in ('old','new'):
    tr=[];pt=[];pairs=[]
    for f in sorted(glob.glob(f'{sys.argv[1] if len(sys.argv)>1 else "."}/{v}-*.txt')):
        seq=[]
        for line in open(f):
            m=re.search(r'bench: .*?\s(train|passthrough)\s+([\d,]+) samples/s\s+([\d.]+) µs',line)
            if m: seq.append((m.group(1),int(m.group(2).replace(',','')),float(m.group(3))))
        # drop warmup: first pair
        pass
        for i in range(0,len(seq)-1,2):
            a,b=seq[i],seq[i+1]
            d={a[0]:a,b[0]:b}
            if 'train' in d and 'passthrough' in d:
                pairs.append(d['train'][1]/d['passthrough'][1]); tr.append(d['train']); pt.append(d['passthrough'])
    if not pairs: continue
    print(v, 'rounds',len(pairs),'median train',statistics.median(x[1] for x in tr),'median pass',statistics.median(x[1] for x in pt),
      'pooled ratio %.3f'%(statistics.median(x[1] for x in tr)/statistics.median(x[1] for x in pt)),'paired median %.3f'%statistics.median(pairs),
      'cpu train %.2f pass %.2f'%(statistics.median(x[2] for x in tr),statistics.median(x[2] for x in pt)))
