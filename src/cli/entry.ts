// Process entry: `bin/kubedr.js` (compiled) and `npm run kubedr` (tsx) both start here.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
