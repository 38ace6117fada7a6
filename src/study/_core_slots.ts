/**
 * The study's share of the machine's cores: a counting semaphore that CPU-bound work (a
 * fine-tune, one model's timing subprocess) holds a slot of while it runs, so the study never
 * runs more such work than it has cores, whatever mix of work is waiting.
 *
 * @module
 */

/**
 * A counting semaphore of `size` slots, served first come first served. A free slot is taken at
 * once (synchronously), so work started first is sure to hold a slot before later work asks.
 *
 * @example Two slots: a third holder waits until one is given back
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CoreSlots } from "./_core_slots.ts";
 *
 * const slots = new CoreSlots(2);
 * const order: string[] = [];
 * const hold = (name: string, ms: number) =>
 *   slots.run(async () => {
 *     order.push(`${name} in`);
 *     await new Promise((r) => setTimeout(r, ms));
 *     order.push(`${name} out`);
 *   });
 * await Promise.all([hold("a", 20), hold("b", 5), hold("c", 1)]);
 * assertEquals(order, ["a in", "b in", "b out", "c in", "c out", "a out"]);
 * ```
 */
export class CoreSlots {
  /** How many slots there are. */
  readonly size: number;
  #free: number;
  readonly #waiting: (() => void)[] = [];

  /** `size` slots, at least one. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`CoreSlots: ${size} slots, need a whole number ≥ 1`);
    }
    this.size = size;
    this.#free = size;
  }

  /** Slots free now. */
  get free(): number {
    return this.#free;
  }

  /** Run `work` holding one slot (taken now if one is free, else when one is given back). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the first waiter, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
