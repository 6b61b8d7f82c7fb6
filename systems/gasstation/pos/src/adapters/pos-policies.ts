import { topicOf } from '@eventide/messaging';
import type { Policy } from '@eventide/service-host';
import { MasterChanged, type MasterChangedPayload } from '@gasstation/contracts';
import { followMaster } from '../domain/sale.ts';
import { posUnit } from './pos-tables.ts';

/**
 * The menu follows the station's product master (wheneverMasterChanged_ChangeMenu). The original
 * skipped an empty productId; here the contract refuses one before the policy runs.
 */
export function posPolicies(system: string): Policy[] {
  const changeMenuOnMasterChanged: Policy = {
    name: 'changeMenuOnMasterChanged',
    topics: [topicOf(system, 'station')],
    on: [MasterChanged.type],
    handle: (event, { trx, emit }) => posUnit(trx, emit).menus.save(followMaster(event.payload as MasterChangedPayload)),
  };
  return [changeMenuOnMasterChanged];
}
