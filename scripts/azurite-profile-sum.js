// Sums self time of a V8 .cpuprofile by function and by file; prints top N.
const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const N = +(process.argv[3] || 40);
const byId = new Map(p.nodes.map(n => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
for (let i = 0; i < p.samples.length; i++) { const d = dt[i] || 0; total += d; self.set(p.samples[i], (self.get(p.samples[i]) || 0) + d); }
const fn = new Map(), file = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  const f = (cf.url || '').replace(/.*node_modules\//, '').replace(/.*dist\/src\//, 'azurite/');
  const k = `${cf.functionName || '(anon)'} ${f}:${cf.lineNumber}`;
  fn.set(k, (fn.get(k) || 0) + t); file.set(f || cf.functionName, (file.get(f || cf.functionName) || 0) + t);
}
// inclusive time by function name + file (for tree insight)
const parent = new Map(); for (const n of p.nodes) for (const c of (n.children || [])) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of self) { const seen = new Set(); let cur = id; while (cur !== undefined) { const cf = byId.get(cur).callFrame; const k = `${cf.functionName || '(anon)'} ${(cf.url||'').replace(/.*node_modules\//, '')}:${cf.lineNumber}`; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) || 0) + t); } cur = parent.get(cur); } }
const pr = (m, title) => { console.log(`== ${title} (total ${(total/1000).toFixed(0)} ms)`); [...m].sort((a,b)=>b[1]-a[1]).slice(0,N).forEach(([k,t]) => console.log(`${(t/1000).toFixed(0).padStart(8)} ms ${(100*t/total).toFixed(1).padStart(5)}%  ${k}`)); };
pr(file, 'self by file'); pr(fn, 'self by function'); if (process.argv[4]) pr(incl, 'inclusive');
