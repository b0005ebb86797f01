/**
 * The operators' routes every service serves (admins only): its dead letters, with retry and discard, and what it
 * published and handled about an aggregate, from which the console draws an order's timeline.
 */
export { adminRoutes } from './routes.ts';
