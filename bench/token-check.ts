/** What streamshop's token check costs the CPU, measured in the bench process with the code every service runs. */
import { localTokenVerifier } from '../src/platform/access/index.ts';
import type { BenchUser } from './streamshop.ts';

/**
 * CPU µs of a token check as every service makes it: the first time a token is seen (the Ed25519 signature and the
 * claims), and each later request with it (the proven token is kept until it expires).
 */
export async function measureTokenCheck(url: string, users: BenchUser[]): Promise<{ firstMicros: number; repeatMicros: number }> {
  const keys = (await (await fetch(`${url}/users/.well-known/jwks.json`)).json()) as Parameters<typeof localTokenVerifier>[0];
  const cpuMicros = async (rounds: number, work: () => Promise<void>) => {
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) await work();
    const used = process.cpuUsage(before);
    return Math.round(((used.user + used.system) / rounds) * 10) / 10;
  };
  const passes = Math.ceil(1_000 / users.length);
  const first = await cpuMicros(passes, async () => {
    const verifier = localTokenVerifier(keys);
    for (const user of users) await verifier.verify(user.token);
  });
  const verifier = localTokenVerifier(keys);
  const [user] = users as [BenchUser];
  const repeat = await cpuMicros(10_000, async () => void (await verifier.verify(user.token)));
  return { firstMicros: Math.round((first / users.length) * 10) / 10, repeatMicros: repeat };
}
