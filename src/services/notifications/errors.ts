import { AppError } from '../../platform/common/index.ts';

export const letterNotFound = (letterId: string) =>
  new AppError({ status: 404, code: 'letter-not-found', title: 'Letter not found', detail: `There is no letter ${letterId}.` });

export const recipientFilterRequired = () =>
  new AppError({ status: 400, code: 'filter-required', title: 'Say whose letters', detail: 'Give exactly one of ?userId= or ?email=.', extensions: {
    errors: [{ field: 'querystring.userId', message: 'exactly one of userId and email is required' }],
  } });
