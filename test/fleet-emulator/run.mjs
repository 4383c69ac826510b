#!/usr/bin/env node
// Runs the Fleet API emulator on its own (npm run fleet-emulator). Prints one JSON line with the
// URL and seeded credentials, then serves until interrupted.
//   PORT=8412 URL_PREFIX=/fleet DEP_PAGE_SIZE=2 npm run fleet-emulator
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
const { startFleetEmulator } = await import('./server.ts');
const emu = await startFleetEmulator({
  port: Number(process.env.PORT ?? 0),
  ...(process.env.URL_PREFIX ? { urlPrefix: process.env.URL_PREFIX } : {}),
  ...(process.env.DEP_PAGE_SIZE ? { depPageSize: Number(process.env.DEP_PAGE_SIZE) } : {}),
});
process.stdout.write(
  `${JSON.stringify({ url: emu.url, admin_email: emu.adminEmail, admin_password: emu.adminPassword, admin_token: emu.adminToken })}\n`,
);
const stop = () => {
  emu.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
