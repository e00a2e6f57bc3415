// npm run bench [-- inbox | lifecycle | catalog]: the project's benchmarks; each prints its figures last.
import { benchCatalog } from './bench-catalog';
import { benchLifecycle } from './bench-lifecycle';
import { benchInbox } from './bench-tasks';

const which = process.argv[2] ?? 'inbox';
const benches: Record<string, () => Promise<void>> = { inbox: benchInbox, lifecycle: benchLifecycle, catalog: benchCatalog };
if (!benches[which]) {
  console.error(`unknown benchmark "${which}"; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
benches[which]().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
