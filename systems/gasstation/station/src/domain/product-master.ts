import type { Emitted } from '@eventide/core';
import type { MasterChanged, ProductChangedPayload } from '@gasstation/contracts';

/** The station's copy of the head office's product master (T_PRODUCT_M). */
export interface ProductMaster {
  readonly productId: string;
  readonly productName: string;
  readonly price: number;
}

export type MasterChangedEvent = Emitted<typeof MasterChanged>;

/**
 * Policy on ProductChanged (wheneverProductChanged_ChangeMaster): the master follows the head
 * office. MasterChanged goes to POS only when a field changed (compared by value, spec E.10.5), or
 * when the head office resends (`resend`), so a POS that missed it catches up.
 */
export function followProductChange(
  current: ProductMaster | undefined,
  changed: ProductChangedPayload,
): { readonly master: ProductMaster; readonly changed: boolean; readonly events: readonly MasterChangedEvent[] } {
  const { productId, productName, price } = changed;
  const master: ProductMaster = { productId, productName, price };
  const differs = current === undefined || current.productName !== productName || current.price !== price;
  const events: MasterChangedEvent[] =
    differs || changed.resend ? [{ type: 'gasstation.MasterChanged', aggregateType: 'ProductMaster', aggregateId: productId, payload: master }] : [];
  return { master, changed: differs, events };
}
