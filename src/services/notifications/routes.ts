import { type App, correlationOf, ResponseHeaders, responses, withHeaders } from '../../platform/http/index.ts';
import { callerOf } from '../../platform/access/index.ts';
import type { Database } from '../../platform/database/index.ts';
import { pageOf } from '../../platform/schemas/index.ts';
import { Letter, LetterList, LetterListQuery, LetterParams, SendMessageBody } from './contract.ts';
import { getLetter, type LetterWriting, listLettersOf } from './use-cases.ts';

export function notificationRoutes(app: App, db: Database, letters: LetterWriting): void {
  app.get(
    '/',
    {
      config: { access: 'owner-or-admin' },
      schema: {
        tags: ['notifications'],
        summary: 'Letters of a user (?userId=) or to an address (?email=), newest first',
        querystring: LetterListQuery,
        response: responses({ 200: LetterList }),
      },
    },
    async (request) => listLettersOf(db.sql, request.query, pageOf(request.query)),
  );

  app.get(
    '/:letterId',
    {
      // Someone else's letter is a 404, as if it did not exist.
      config: { access: 'user' },
      schema: { tags: ['notifications'], summary: 'Get a letter', params: LetterParams, response: responses({ 200: Letter }, 404) },
    },
    async (request) => getLetter(db.sql, callerOf(request), request.params.letterId),
  );

  app.post(
    '/',
    { config: { access: 'admin' }, schema: { tags: ['notifications'], summary: 'Store a free-form message (operators only)', body: SendMessageBody, response: responses({ 201: withHeaders(Letter, ResponseHeaders.location('letter')) }) } },
    async (request, reply) => {
      const letter = await letters.sendMessage(db, request.body, correlationOf(request));
      return reply.code(201).header('location', `/notifications/${letter.id}`).send(letter);
    },
  );
}
