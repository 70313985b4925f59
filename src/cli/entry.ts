// Process entry: `bin/kubedr.js` (compiled) and `npm run kubedr` (tsx) both start here.
import { tuneStartup } from './startup.js';

// `kubedr plan … | head`: a reader that goes away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const argv = process.argv.slice(2);
tuneStartup(argv);
// Imported after the V8 flags are set; every command loads its own modules when it runs.
const { main } = await import('./main.js');
process.exitCode = await main(argv);
