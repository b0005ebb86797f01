/**
 * The operators' routes, the same in every service (registered by the platform, like health and metrics): the
 * service's dead letters, with retry and discard, and what it published and handled about an aggregate, from
 * which the console draws an order's timeline. Admins only.
 */
import type { Logger } from 'pino';
import { callerOf } from '../access/index.ts';
import { DeadLetter, DeadLetterList, DeadLetterListQuery, DeadLetterParams, DiscardBody, EventTrail, EventTrailQuery, TRAIL_LIMIT } from './contract.ts';
import { AppError } from '../common/index.ts';
import { deadLettersAbout, discardDeadLetter, findDeadLetter, listDeadLetters, type Replay, type EventEnvelope } from '../messaging/index.ts';
import { type App, responses } from '../http/index.ts';
import { pageOf, toPage } from '../schemas/index.ts';
import type { Database } from '../database/index.ts';

const admin = { access: 'admin' as const };
const tags = ['admin'];

interface AdminDeps {
  db: Database;
  replay: Replay;
  log: Logger;
}

export function adminRoutes(app: App, deps: AdminDeps): void {
  listDeadLettersRoute(app, deps);
  retryDeadLetterRoute(app, deps);
  discardDeadLetterRoute(app, deps);
  eventTrailRoute(app, deps);
}

function listDeadLettersRoute(app: App, { db: { sql } }: AdminDeps): void {
  app.get(
    '/admin/dead-letters',
    {
      config: admin,
      schema: {
        tags,
        summary: "This service's dead letters, newest event first",
        description: 'Events that failed every attempt: waiting for a retry, or settled (replayed, or discarded by an operator).',
        querystring: DeadLetterListQuery,
        response: responses({ 200: DeadLetterList }),
      },
    },
    async (request) => {
      const page = pageOf(request.query);
      return toPage(await listDeadLetters(sql, request.query.state, page), page, (letter) => letter.eventId);
    },
  );
}

function retryDeadLetterRoute(app: App, { db: { sql }, replay, log }: AdminDeps): void {
  app.post(
    '/admin/dead-letters/:eventId/retry',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Hand a waiting dead letter to the handlers again',
        description:
          'Runs the handler once, in the same inbox transaction as a delivery. The answer is the dead letter afterwards: ' +
          'state replayed when it was handled, still waiting (with the new error) when it failed again.',
        params: DeadLetterParams,
        response: responses({ 200: DeadLetter }, 404, 409),
      },
    },
    async (request) => {
      const { eventId } = request.params;
      const letter = await findDeadLetter(sql, eventId);
      if (!letter) throw deadLetterNotFound(eventId);
      if (letter.state !== 'waiting') throw deadLetterSettled(letter.eventId, letter.state);
      const handled = await replay(letter.envelope);
      log.info({ eventId, eventType: letter.type, handled, operator: callerOf(request).userId }, 'dead letter retried by an operator');
      return (await findDeadLetter(sql, eventId)) ?? letter;
    },
  );
}

function discardDeadLetterRoute(app: App, { db: { sql }, log }: AdminDeps): void {
  app.post(
    '/admin/dead-letters/:eventId/discard',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Settle a waiting dead letter without handling it',
        description: 'Keeps it, with who discarded it, when and why; retention removes it RETENTION_DEAD_LETTERS later, as a replayed one.',
        params: DeadLetterParams,
        body: DiscardBody,
        response: responses({ 200: DeadLetter }, 404, 409),
      },
    },
    async (request) => {
      const { eventId } = request.params;
      const caller = callerOf(request);
      const discarded = await discardDeadLetter(sql, eventId, caller, request.body.reason);
      if (discarded) {
        log.warn({ eventId, eventType: discarded.type, operator: caller.userId, reason: request.body.reason }, 'dead letter discarded by an operator');
        return discarded;
      }
      const letter = await findDeadLetter(sql, eventId);
      if (!letter) throw deadLetterNotFound(eventId);
      throw deadLetterSettled(letter.eventId, letter.state);
    },
  );
}

function eventTrailRoute(app: App, { db: { sql } }: AdminDeps): void {
  app.get(
    '/admin/events',
    {
      config: admin,
      schema: {
        tags,
        summary: 'What this service published and handled about an aggregate',
        description:
          'Its outbox rows about the subject (the envelope, when it was committed and when the bus took it), the events ' +
          'about it that it handled (from its inbox) and those it dead-lettered. The console puts the four services\' answers ' +
          'together into an order\'s timeline.',
        querystring: EventTrailQuery,
        response: responses({ 200: EventTrail }),
      },
    },
    async (request) => {
      const { subject } = request.query;
      const [published, handled, deadLettered] = await Promise.all([
        sql<{ envelope: EventEnvelope; created_at: Date; published_at: Date | null }[]>`
          SELECT envelope, created_at, published_at FROM outbox WHERE aggregate_id = ${subject} ORDER BY seq LIMIT ${TRAIL_LIMIT}`,
        sql<{ event_id: string; event_type: string; handled_at: Date }[]>`
          SELECT event_id, event_type, handled_at FROM inbox WHERE subject = ${subject} ORDER BY handled_at LIMIT ${TRAIL_LIMIT}`,
        deadLettersAbout(sql, subject, TRAIL_LIMIT),
      ]);
      return {
        subject,
        published: published.map((row) => ({
          envelope: row.envelope,
          createdAt: row.created_at.toISOString(),
          publishedAt: row.published_at?.toISOString() ?? null,
        })),
        handled: handled.map((row) => ({ eventId: row.event_id, type: row.event_type, handledAt: row.handled_at.toISOString() })),
        deadLettered,
      };
    },
  );
}

const deadLetterNotFound = (eventId: string) =>
  new AppError({ status: 404, code: 'dead-letter-not-found', title: 'Not found', detail: `This service has no dead letter for event ${eventId}.` });

const deadLetterSettled = (eventId: string, state: string) =>
  new AppError({ status: 409, code: 'dead-letter-settled', title: 'Dead letter already settled', detail: `The dead letter of event ${eventId} is ${state} already.`, extensions: { state } });
