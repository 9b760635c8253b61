/** Child process: starts Tessera from its environment and reports the bound port over IPC. */
import { loadConfig } from '../../src/config.js';
import { startTessera } from '../../src/main.js';

const tessera = await startTessera(loadConfig(process.env));
process.send?.({ ready: true, port: tessera.port, healthPort: tessera.healthPort });
process.on('SIGTERM', () => {
  void tessera.stop().then(() => process.exit(0));
});
