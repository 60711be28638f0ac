// `npm run test:interop`: the ava settings of package.json's "ava" block, for the tests against real
// peers (openssl, gnutls-bin, tshark) in interop/. Kept out of `npm test` so unit runs stay offline.
import { readFileSync } from 'node:fs';

const { ava } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default { ...ava, files: ['interop/**/*.test.ts'] };
