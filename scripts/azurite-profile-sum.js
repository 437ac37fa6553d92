// Sums a V8 .cpuprofile (from scripts/azurite-profile.js or node --cpu-prof) by self time per file and
// per function, and with a third argument also the inclusive time per function.
// Usage: node scripts/azurite-profile-sum.js FILE.cpuprofile [top N = 40] [inclusive]
// (idle), writev and writeLatin1String on a loaded machine are mostly time off the CPU: V8 samples
// wall time, so the process's CPU seconds in /proc are the figure to divide by operations.
'use strict';
const fs = require('node:fs');

const profile = JSON.parse(fs.readFileSync(process.argv[2]));
const top = Number(process.argv[3] || 40);
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] || 0;
  total += dt;
  self.set(id, (self.get(id) || 0) + dt);
});

const where = cf => (cf.url || '').replace(/.*node_modules\//, '').replace(/.*dist\/src\//, 'azurite/');
const label = cf => `${cf.functionName || '(anon)'} ${where(cf)}:${cf.lineNumber}`;
const byFile = new Map();
const byFunction = new Map();
const inclusive = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  const file = where(cf) || cf.functionName;
  byFile.set(file, (byFile.get(file) || 0) + t);
  byFunction.set(label(cf), (byFunction.get(label(cf)) || 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur).callFrame);
    if (!seen.has(k)) {
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) || 0) + t);
    }
  }
}

const print = (map, title) => {
  console.log(`== ${title} (total ${(total / 1000).toFixed(0)} ms)`);
  [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .forEach(([k, t]) => console.log(`${(t / 1000).toFixed(0).padStart(8)} ms ${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`));
};
print(byFile, 'self time by file');
print(byFunction, 'self time by function');
if (process.argv[4]) print(inclusive, 'inclusive time by function');
