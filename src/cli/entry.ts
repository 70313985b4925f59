// Process entry: `bin/kubedr.js` (compiled) and `npm run kubedr` (tsx) both start here.
import { main } from './main.js';

// `kubedr plan … | head`: a reader that goes away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
