// `node scripts/run.js <file.ts>`: installs npm packages when missing, then runs a TypeScript entry
// point in this very process, so signals sent to `npm start` reach the code that handles them.
require('./ensure-deps');
require('tsx/cjs/api').register();
require(require('node:path').resolve(process.argv[2]));
