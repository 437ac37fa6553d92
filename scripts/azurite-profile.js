// Preloaded into Azurite (`node -r scripts/azurite-profile.js node_modules/azurite/dist/src/azurite.js …`):
// SIGUSR2 starts V8's CPU profiler, the next SIGUSR2 stops it and writes
// $AZURITE_PROFILE_DIR/window-N.cpuprofile. The benchmark sends both signals around a measured
// stretch when given `--azurite-pid PID --azurite-profile`, so the profile holds the workload and
// not the seeding before it. scripts/azurite-profile-sum.js sums such a file by function and file.
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.AZURITE_PROFILE_DIR || '/tmp';
let session = null;
let windows = 0;
process.on('SIGUSR2', () => {
  if (session === null) {
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  const s = session;
  session = null;
  s.post('Profiler.stop', (err, result) => {
    if (!err) {
      fs.writeFileSync(path.join(dir, `window-${++windows}.cpuprofile`), JSON.stringify(result.profile));
    }
    s.disconnect();
  });
});
