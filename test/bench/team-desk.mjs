// A desk's thread for `npm run bench:team`: Node 20 does not hand the `--import tsx` loader on to
// worker threads, so this plain module loads the TypeScript through tsx's API.
import { tsImport } from 'tsx/esm/api'

await tsImport('./team.ts', import.meta.url)
