/**
 * The four ways the same services can cooperate (INTERACTION_STYLE), and what each needs of the process: a broker,
 * and which services call which on their internal listeners. The services read the style and choose their adapters;
 * the business logic is the same in all four.
 */
export const interactionStyles = ['events', 'http', 'hybrid', 'saga'] as const;
export type InteractionStyle = (typeof interactionStyles)[number];

/** Whether the style sends anything through the broker (style 1, http, has none at all). */
export function usesBroker(style: InteractionStyle): boolean {
  return style !== 'http';
}

/** The internal calls of a style: for each calling service, the services it calls. */
const INTERNAL_CALLS: Record<InteractionStyle, Partial<Record<string, readonly string[]>>> = {
  events: {},
  saga: {},
  http: { users: ['billing', 'notifications'], orders: ['billing', 'notifications'] },
  hybrid: { users: ['billing'], orders: ['billing'] },
};

export function calleesOf(style: InteractionStyle, service: string): readonly string[] {
  return INTERNAL_CALLS[style][service] ?? [];
}

/** The services a style calls on their internal listeners (which then must serve one). */
export function calledServices(style: InteractionStyle): string[] {
  return [...new Set(Object.values(INTERNAL_CALLS[style]).flat())] as string[];
}
