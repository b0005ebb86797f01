import { AppError } from '../../platform/common/index.ts';

export const accountNotFound = (userId: string) =>
  new AppError({ status: 404, code: 'account-not-found', title: 'Account not found', detail: `There is no account for user ${userId} (yet).` });

export const insufficientFunds = (balance: number, amount: number) =>
  new AppError({ status: 409, code: 'insufficient-funds', title: 'Insufficient funds', detail: `The balance ${balance} is less than ${amount}.`, extensions: {
    balance,
  } });

export const balanceLimit = () =>
  new AppError({ status: 422, code: 'balance-limit', title: 'Balance limit exceeded', detail: 'The balance would exceed 9,007,199,254,740,991 kopecks.' });
