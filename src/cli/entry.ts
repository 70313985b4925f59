// Process entry: `bin/kubedr.js` (compiled) and `npm run kubedr` (tsx) both start here.
import { exitQuietlyOnBrokenPipe, tuneStartup } from './startup.js';

exitQuietlyOnBrokenPipe();

const argv = process.argv.slice(2);
tuneStartup(argv);
// Imported after the V8 flags are set; every command loads its own modules when it runs.
const { main } = await import('./main.js');
process.exitCode = await main(argv);
