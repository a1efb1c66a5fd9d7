import { secretSource } from '../../src/config.ts';
import type { SecretSource } from '../../src/store/sealing/key-source.ts';

/** The sealing key of a store opened on `dataDir` as Herald opens it: the key file there. */
export function testSecrets(dataDir: string): SecretSource {
  return secretSource({ secretKey: null, secretKeyPrevious: [], dataDir });
}
