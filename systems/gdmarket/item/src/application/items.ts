import { isAppError, notFound, refused, type DomainEvent } from '@eventide/core';
import { registerItem, type Item, type ItemChange, type RegisterItem } from '../domain/item.ts';

/** An item as stored, with the version its row had when read (optimistic concurrency). */
export interface StoredItem {
  readonly item: Item;
  readonly version: number;
}

/** The items of one transaction: what the use cases need from storage. */
export interface ItemRepository {
  /** The next itemNo of the item counter; never reused, even after a delete. */
  nextItemNo(): Promise<number>;
  find(itemNo: number): Promise<StoredItem | undefined>;
  add(item: Item): Promise<void>;
  /** Stores `item` over the row read at `version`; AppError conflict when another transaction changed it since. */
  update(item: Item, version: number): Promise<void>;
  remove(itemNo: number, version: number): Promise<void>;
}

/** One unit of work: its changes and the events it emits commit together. */
export interface ItemUnit {
  readonly items: ItemRepository;
  readonly emit: (event: DomainEvent) => void;
}

export interface Log {
  warn(fields: object, message: string): void;
}

/** Registers an item under the next itemNo; a client-supplied itemNo is never used (spec 0.2). */
export async function register(unit: ItemUnit, command: Omit<RegisterItem, 'itemNo'>): Promise<Item> {
  const { itemName, itemPrice, itemStatus, rentalStatus } = command;
  const change = registerItem({ itemNo: await unit.items.nextItemNo(), itemName, itemPrice, itemStatus, rentalStatus });
  const item = await commit(unit, undefined, change);
  if (!item) throw new Error('registering an item must yield the item');
  return item;
}

/** A command on an existing item (lend, return, delete): 404 when there is none. Resolves null once deleted. */
export async function changeItem(unit: ItemUnit, itemNo: number, decide: (item: Item) => ItemChange): Promise<Item | null> {
  const stored = await unit.items.find(itemNo);
  if (!stored) throw notFound('item', itemNo);
  return commit(unit, stored, decide(stored.item));
}

/**
 * A policy's change to the item an event names. Events about an item this service does not hold
 * (never registered, or deleted) change nothing and are logged: they cannot be retried into success.
 */
export async function followEvent(unit: ItemUnit, itemNo: number, decide: (item: Item) => ItemChange, log: Log): Promise<void> {
  const stored = await unit.items.find(itemNo);
  if (!stored) {
    log.warn({ itemNo }, `ignored: item ${itemNo} does not exist`);
    return;
  }
  await retryOnRace(itemNo, () => commit(unit, stored, decide(stored.item)));
}

/**
 * A policy's decisions never refuse, so a conflict while storing one is a concurrent change of the
 * row (its version moved). That is worth another try with the row read again: thrown as a plain
 * error, which the consumer pipeline retries with backoff, where an AppError conflict would be
 * dead-lettered at once as a refusal.
 */
async function retryOnRace(no: number, store: () => Promise<unknown>): Promise<void> {
  try {
    await store();
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') throw new Error(`item ${no} changed while a policy applied an event: retry`, { cause: error });
    throw error;
  }
}

/** Stores what a decision said, or refuses with the rule it broke; an unchanged item writes nothing. */
async function commit(unit: ItemUnit, stored: StoredItem | undefined, change: ItemChange): Promise<Item | null> {
  if (!change.ok) throw refused(change.rejection);
  const version = stored ? stored.version + 1 : 1;
  if (!stored) {
    if (change.item) await unit.items.add(change.item);
  } else if (change.item === null) {
    await unit.items.remove(stored.item.itemNo, stored.version);
  } else if (change.item !== stored.item) {
    await unit.items.update(change.item, stored.version);
  }
  for (const event of change.events) unit.emit({ ...event, aggregateVersion: version });
  return change.item;
}
