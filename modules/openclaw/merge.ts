/**
 * How the `openclaw` setting combines with what the project renders (and `defaults.openclaw` with
 * an environment's): objects merge key by key, at every depth; arrays, strings, numbers, booleans
 * and null replace what was there. No import: modules/host/layout.ts renders through it.
 */

/** An OpenClaw config object (openclaw.json) or a part of one. */
export type OpenclawConfigObject = { [key: string]: unknown };

/** True for a JSON object (not an array, not null). */
export const isConfigObject = (value: unknown): value is OpenclawConfigObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `overlay` deep-merged over `base`: for a key both hold as objects the merge recurses, otherwise
 * the overlay's value replaces the base's (an array replaces the whole array). Neither input is
 * changed; `__proto__` keys are copied as plain keys.
 */
export function mergeOverlay(base: OpenclawConfigObject, overlay: OpenclawConfigObject | undefined): OpenclawConfigObject {
  const merged: OpenclawConfigObject = { ...base };
  for (const [key, value] of Object.entries(overlay ?? {})) {
    const below = Object.hasOwn(merged, key) ? merged[key] : undefined;
    const next = isConfigObject(below) && isConfigObject(value) ? mergeOverlay(below, value) : value;
    Object.defineProperty(merged, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
