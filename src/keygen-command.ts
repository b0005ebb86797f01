import { ConfigError } from './platform/runtime/index.ts';
import { newSigningKey, readSigningKeys } from './platform/access/index.ts';

/**
 * streamshop keygen: a JWK Set with one new Ed25519 signing key, for the users Secret.
 * streamshop keygen --add <file>: the file's keys with a new one in front. The new key signs from the next start;
 * the old ones stay published, so tokens they signed stay valid until they expire (15 min): then remove them.
 */
export async function keygenCommand(args: string[]): Promise<void> {
  const [flag, file] = args;
  if (flag !== undefined && (flag !== '--add' || file === undefined)) throw new ConfigError('Use: streamshop keygen [--add <file>]');
  const existing = file ? (await readSigningKeys(file)).keys : [];
  console.log(JSON.stringify({ keys: [await newSigningKey(), ...existing] }, null, 2));
}
