// After `tauri icon`: drop the mobile icon sets (desktop-only app) and refresh the
// favicon used by `npm run dev` in a plain browser. Run from ui/ via `npm run icons`.
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const icons = fileURLToPath(new URL('../../icons/', import.meta.url));
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

for (const dir of ['android', 'ios']) {
  rmSync(icons + dir, { recursive: true, force: true });
}
copyFileSync(icons + '64x64.png', publicDir + 'favicon.png');
