import { LetterStoredV1, type OrderCancelled, type OrderPaid, type OrderRejected, type UserCreated } from '../../contracts/events.ts';
import { type Caller, mayRead } from '../../platform/access/index.ts';
import { newId } from '../../platform/common/index.ts';
import type { Database, Sql, Tx } from '../../platform/database/index.ts';
import { appendToOutbox, type Correlation, newEvent } from '../../platform/messaging/index.ts';
import { type PageRequest, toPage } from '../../platform/schemas/index.ts';
import type { Letter, SendMessageBody } from './contract.ts';
import { letterNotFound, recipientFilterRequired } from './errors.ts';
import { composeOrderLetter, type OrderOutcome } from './letters.ts';
import {
  findLetter,
  findRecipient,
  insertLetter,
  keepPendingOutcome,
  listLetters,
  lockRecipient,
  type Recipient,
  saveRecipient,
  takePendingOutcomes,
} from './repository.ts';

/**
 * Writing letters, the same in every style. Where the style has a broker, each stored letter is announced with
 * notifications.letter.stored.v1 through the outbox; in the http style there is no outbox, and no announcement.
 */
export function letterWriting({ announces }: { announces: boolean }) {
  async function storeLetter(tx: Tx, letter: Parameters<typeof insertLetter>[1], correlation: Correlation): Promise<Letter | undefined> {
    const stored = await insertLetter(tx, letter);
    if (stored && announces) {
      const data = { letterId: stored.id, userId: stored.userId, kind: stored.kind, ...(stored.orderId ? { orderId: stored.orderId } : {}) };
      appendToOutbox(tx, [newEvent('notifications', LetterStoredV1, data, correlation)]);
    }
    return stored;
  }

  async function writeOrderLetter(tx: Tx, recipient: Recipient, outcome: OrderOutcome, correlation: Correlation): Promise<Letter | undefined> {
    const { subject, body } = composeOrderLetter(outcome, recipient.name);
    const letter = { id: newId(), userId: recipient.userId, email: recipient.email, kind: outcome.kind, subject, body };
    return storeLetter(tx, { ...letter, orderId: outcome.orderId }, correlation);
  }

  return {
    /** Learns (or updates) a user's address, and writes the letters of any outcomes that arrived before it. */
    async rememberRecipient(tx: Tx, user: UserCreated, correlation: Correlation): Promise<void> {
      await lockRecipient(tx, user.userId, 'exclusive');
      const recipient = { userId: user.userId, email: user.email, name: user.name };
      await saveRecipient(tx, recipient);
      for (const outcome of await takePendingOutcomes(tx, user.userId)) await writeOrderLetter(tx, recipient, outcome, correlation);
    },

    /**
     * Writes the one letter of this kind for a final order (undefined when it exists already), or keeps the outcome
     * until the user's address is known ('kept').
     */
    async notifyOrderOutcome(tx: Tx, userId: string, outcome: OrderOutcome, correlation: Correlation): Promise<Letter | 'kept' | undefined> {
      // Sent together, run in order: the read takes its snapshot after the lock is granted (READ COMMITTED takes one
      // per statement), so it sees an address whose transaction held the lock before; and one that comes later finds
      // the pending outcome. The pair costs one round trip.
      const [, recipient] = await Promise.all([lockRecipient(tx, userId, 'shared'), findRecipient(tx, { userId })]);
      if (recipient) return writeOrderLetter(tx, recipient, outcome, correlation);
      await keepPendingOutcome(tx, userId, outcome);
      return 'kept';
    },

    async sendMessage(db: Database, message: SendMessageBody, correlation: Correlation): Promise<Letter> {
      return db.transaction(async (tx) => {
        const recipient = await findRecipient(tx, { email: message.email });
        const letter = { id: newId(), userId: recipient?.userId ?? null, kind: 'message' as const, ...message };
        return (await storeLetter(tx, letter, correlation)) as Letter;
      });
    },
  };
}

export type LetterWriting = ReturnType<typeof letterWriting>;

export const paidOutcome = (o: OrderPaid): OrderOutcome => ({ orderId: o.orderId, kind: 'order_paid', price: o.price });
export const rejectedOutcome = (o: OrderRejected): OrderOutcome => ({ orderId: o.orderId, kind: 'order_rejected', price: o.price, reason: o.reason });
export const cancelledOutcome = (o: OrderCancelled): OrderOutcome => ({ orderId: o.orderId, kind: 'order_cancelled', price: o.price });

/** The caller's letter (an admin's: anyone's); someone else's is not found, as if it did not exist. */
export async function getLetter(sql: Sql, caller: Caller, letterId: string): Promise<Letter> {
  const letter = await findLetter(sql, letterId);
  if (!letter || !mayRead(caller, letter.userId)) throw letterNotFound(letterId);
  return letter;
}

export async function listLettersOf(sql: Sql, filter: { userId?: string | undefined; email?: string | undefined }, page: PageRequest) {
  const { userId, email } = filter;
  if ((userId === undefined) === (email === undefined)) throw recipientFilterRequired();
  const by = userId !== undefined ? { userId } : { email: email as string };
  return toPage(await listLetters(sql, by, page.limit, page.cursor), page, (letter) => letter.id);
}
